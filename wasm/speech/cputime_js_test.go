//go:build js

package speech

import "syscall/js"

// cpuTime is the node process's user+system CPU time in seconds
// (process.cpuUsage, in µs), so wasm benchmarks report CPU as native ones
// do; in a browser, where there is no process, it is 0 (wall time only).
func cpuTime() float64 {
	p := js.Global().Get("process")
	if p.Type() != js.TypeObject || p.Get("cpuUsage").Type() != js.TypeFunction {
		return 0
	}
	u := p.Call("cpuUsage")
	return (u.Get("user").Float() + u.Get("system").Float()) / 1e6
}
