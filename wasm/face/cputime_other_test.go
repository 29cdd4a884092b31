//go:build !linux

package face

func cpuNanos() int64 { return -1 }
