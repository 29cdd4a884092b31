//go:build linux || darwin

package speech

import "syscall"

// cpuTime is the process's user+system CPU time in seconds: on a shared,
// noisy machine it measures the detector's cost better than wall time.
func cpuTime() float64 {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return 0
	}
	return float64(r.Utime.Nano()+r.Stime.Nano()) / 1e9
}
