//go:build !linux && !js

package face

func cpuNanos() int64 { return -1 }
