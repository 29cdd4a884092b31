//go:build !(linux || darwin || js)

package speech

// cpuTime is unavailable here: benchmarks report wall time only.
func cpuTime() float64 { return 0 }
