package face

import "syscall"

// cpuNanos is this process's user+system CPU time: the machine is shared,
// so benchmarks report CPU per frame beside wall time.
func cpuNanos() int64 {
	var r syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &r) != nil {
		return -1
	}
	return r.Utime.Nano() + r.Stime.Nano()
}
