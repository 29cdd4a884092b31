//go:build js && wasm

package d1

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"math"
	"syscall/js"
)

// Open returns a *sql.DB over the D1 binding db (env.DB in a Worker).
func Open(db js.Value) (*sql.DB, error) {
	if db.IsUndefined() || db.IsNull() {
		return nil, errors.New("d1: no D1 binding")
	}
	return OpenDB(jsBackend{db: db}), nil
}

type jsBackend struct{ db js.Value }

var uint8Array = js.Global().Get("Uint8Array")

func (b jsBackend) prepare(s Stmt) (js.Value, error) {
	args := make([]any, len(s.Args))
	for i, a := range s.Args {
		switch v := a.(type) {
		case []byte:
			u := uint8Array.New(len(v))
			js.CopyBytesToJS(u, v)
			args[i] = u
		case nil, string, int64, float64:
			args[i] = v
		default:
			return js.Value{}, fmt.Errorf("d1: cannot bind %T", a)
		}
	}
	return b.db.Call("prepare", s.Query).Call("bind", args...), nil
}

// Query runs one statement with raw({columnNames: true}): the first row
// holds the column names.
func (b jsBackend) Query(ctx context.Context, query string, args []any) ([]string, [][]any, error) {
	st, err := b.prepare(Stmt{Query: query, Args: args})
	if err != nil {
		return nil, nil, err
	}
	v, err := await(ctx, st.Call("raw", map[string]any{"columnNames": true}))
	if err != nil {
		return nil, nil, err
	}
	n := v.Length()
	if n == 0 {
		return nil, nil, nil
	}
	head := v.Index(0)
	cols := make([]string, head.Length())
	for i := range cols {
		cols[i] = head.Index(i).String()
	}
	rows := make([][]any, n-1)
	for r := 1; r < n; r++ {
		jr := v.Index(r)
		row := make([]any, len(cols))
		for c := range cols {
			if row[c], err = goValue(jr.Index(c)); err != nil {
				return nil, nil, err
			}
		}
		rows[r-1] = row
	}
	return cols, rows, nil
}

// goValue converts a D1 value: null, number, string, or a blob as an array
// of bytes or an ArrayBuffer.
func goValue(v js.Value) (any, error) {
	switch v.Type() {
	case js.TypeNull, js.TypeUndefined:
		return nil, nil
	case js.TypeNumber:
		f := v.Float()
		if f == math.Trunc(f) && math.Abs(f) <= 1<<53 {
			return int64(f), nil
		}
		return f, nil
	case js.TypeString:
		return v.String(), nil
	case js.TypeObject:
		u := uint8Array.New(v)
		out := make([]byte, u.Length())
		js.CopyBytesToGo(out, u)
		return out, nil
	}
	return nil, fmt.Errorf("d1: unexpected value of type %s", v.Type())
}

// Batch runs stmts with db.batch, which D1 runs as one transaction.
func (b jsBackend) Batch(ctx context.Context, stmts []Stmt) ([]Result, error) {
	arr := js.Global().Get("Array").New(len(stmts))
	for i, s := range stmts {
		st, err := b.prepare(s)
		if err != nil {
			return nil, err
		}
		arr.SetIndex(i, st)
	}
	v, err := await(ctx, b.db.Call("batch", arr))
	if err != nil {
		return nil, err
	}
	out := make([]Result, v.Length())
	for i := range out {
		meta := v.Index(i).Get("meta")
		if meta.Truthy() {
			out[i] = Result{Changes: int64(num(meta.Get("changes"))), LastRowID: int64(num(meta.Get("last_row_id")))}
		}
	}
	return out, nil
}

func num(v js.Value) float64 {
	if v.Type() == js.TypeNumber {
		return v.Float()
	}
	return 0
}

// await blocks the calling goroutine until p settles; the Go scheduler
// gives the JavaScript event loop the turn meanwhile.
func await(ctx context.Context, p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	var then, catch js.Func
	then = js.FuncOf(func(_ js.Value, args []js.Value) any {
		ch <- settled{v: args[0]}
		return nil
	})
	catch = js.FuncOf(func(_ js.Value, args []js.Value) any {
		msg := args[0].Call("toString").String()
		if c := args[0].Get("cause"); c.Truthy() {
			msg += ": " + c.Call("toString").String()
		}
		ch <- settled{err: errors.New(msg)}
		return nil
	})
	p.Call("then", then, catch)
	select {
	case s := <-ch:
		then.Release()
		catch.Release()
		return s.v, s.err
	case <-ctx.Done(): // the callbacks stay, for the promise to settle into

		return js.Value{}, ctx.Err()
	}
}

// NewBackend returns the Backend over the D1 binding db, for checks that
// send their own batches.
func NewBackend(db js.Value) Backend { return jsBackend{db: db} }
