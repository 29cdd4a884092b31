//go:build !(linux || darwin)

package speech

// cpuTime is unavailable here (js/wasm): benchmarks report wall time only.
func cpuTime() float64 { return 0 }
