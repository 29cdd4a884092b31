//go:build js && wasm

// Command check is a Worker that exercises the d1 driver and D1's batch
// semantics in workerd; server/d1/check.mjs drives it. It is never deployed.
package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/lokaal-nl/lokaal/server/d1"
	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
)

func main() {
	binding := cloudflare.GetBinding("DB")
	db, err := d1.Open(binding)
	if err != nil {
		panic(err)
	}
	b := d1.NewBackend(binding)
	mux := http.NewServeMux()
	reply := func(w http.ResponseWriter, v any, err error) {
		if err != nil {
			w.WriteHeader(http.StatusInternalServerError)
			v = map[string]string{"error": err.Error()}
		}
		json.NewEncoder(w).Encode(v)
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("ok")) })
	mux.HandleFunc("POST /setup", func(w http.ResponseWriter, r *http.Request) {
		_, err := b.Batch(r.Context(), []d1.Stmt{
			{Query: "CREATE TABLE IF NOT EXISTS counter (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"},
			{Query: "INSERT OR REPLACE INTO counter VALUES (1, 0)"},
			{Query: "CREATE TABLE IF NOT EXISTS must (ok INTEGER NOT NULL CHECK (ok = 1))"},
		})
		reply(w, "ok", err)
	})
	mux.HandleFunc("GET /n", func(w http.ResponseWriter, r *http.Request) {
		var n int64
		err := db.QueryRowContext(r.Context(), "SELECT n FROM counter WHERE id = 1").Scan(&n)
		reply(w, n, err)
	})
	// inc reads the counter in a transaction, waits hold ms, writes n+1.
	mux.HandleFunc("POST /inc", func(w http.ResponseWriter, r *http.Request) {
		hold, _ := strconv.Atoi(r.URL.Query().Get("hold"))
		t0 := time.Now()
		tx, err := db.BeginTx(r.Context(), nil)
		if err != nil {
			reply(w, nil, err)
			return
		}
		var n int64
		if err := tx.QueryRow("SELECT n FROM counter WHERE id = 1").Scan(&n); err != nil {
			reply(w, nil, err)
			return
		}
		t1 := time.Now()
		time.Sleep(time.Duration(hold) * time.Millisecond)
		t2 := time.Now()
		if _, err := tx.Exec("UPDATE counter SET n = ? WHERE id = 1", n+1); err != nil {
			reply(w, nil, err)
			return
		}
		err = tx.Commit()
		t3 := time.Now()
		if d1.IsConflict(err) {
			reply(w, map[string]any{"committed": false, "conflict": true, "read": n}, nil)
			return
		}
		reply(w, map[string]any{"committed": err == nil, "read": n,
			"begin_read_ms": ms(t1.Sub(t0)), "commit_ms": ms(t3.Sub(t2))}, err)
	})
	// guard: a transaction whose clock moved (a plain write between its
	// begin and commit) must store none of its writes.
	mux.HandleFunc("POST /guard", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		if r.URL.Query().Get("warm") == "1" { // the clock row exists: the guard is the CHECK
			if _, err := db.ExecContext(ctx, "UPDATE counter SET n = n WHERE id = 1"); err != nil {
				reply(w, nil, err)
				return
			}
		}
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			reply(w, nil, err)
			return
		}
		if _, err := db.ExecContext(ctx, "UPDATE counter SET n = n WHERE id = 1"); err != nil {
			reply(w, nil, err)
			return
		}
		tx.Exec("INSERT INTO counter VALUES (2, 42)")
		tx.Exec("UPDATE counter SET n = 1000 WHERE id = 1")
		err = tx.Commit()
		var rows int64
		qerr := db.QueryRowContext(ctx, "SELECT count(*) FROM counter WHERE id = 2 OR n = 1000").Scan(&rows)
		reply(w, map[string]any{"conflict": d1.IsConflict(err), "err": errString(err), "leaked_rows": rows}, qerr)
	})
	// plain: a write outside a transaction runs at once, with its result.
	mux.HandleFunc("POST /plain", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		res, err := db.ExecContext(ctx, "INSERT INTO counter (id, n) VALUES (7, 0)")
		if err != nil {
			reply(w, nil, err)
			return
		}
		id, err1 := res.LastInsertId()
		n, err2 := res.RowsAffected()
		res, err = db.ExecContext(ctx, "DELETE FROM counter WHERE id >= 7")
		var del int64
		if err == nil {
			del, err = res.RowsAffected()
		}
		reply(w, map[string]any{"last_insert_id": id, "rows_affected": n, "deleted": del}, errors.Join(err1, err2, err))
	})
	// changes: is changes() the previous statement's count inside one
	// batch, and does a CHECK failure late in a batch undo its start?
	mux.HandleFunc("POST /changes", func(w http.ResponseWriter, r *http.Request) {
		ctx := r.Context()
		run := func(id int) error {
			_, err := b.Batch(ctx, []d1.Stmt{
				{Query: "UPDATE counter SET n = n + 1 WHERE id = 1"},
				{Query: "UPDATE counter SET n = n WHERE id = ?", Args: []any{int64(id)}},
				{Query: "INSERT INTO must (ok) SELECT changes()"},
				{Query: "DELETE FROM must"},
			})
			return err
		}
		before := count(ctx, db)
		errHit := run(1) // changes() = 1: commits
		mid := count(ctx, db)
		errMiss := run(999) // changes() = 0: CHECK fails, the first UPDATE is undone
		after := count(ctx, db)
		reply(w, map[string]any{"hit_err": errString(errHit), "miss_err": errString(errMiss),
			"before": before, "after_hit": mid, "after_miss": after}, nil)
	})
	// keys: a transaction on more clock keys than D1 binds in one statement
	// (read in parts) commits, json_each expands a bound JSON array, as the
	// store's roll-up uses it, and D1 refuses a statement over 100 params,
	// the limit d1sqlite copies.
	mux.HandleFunc("POST /keys", func(w http.ResponseWriter, r *http.Request) {
		keys := make([]string, 150)
		for i := range keys {
			keys[i] = "check:" + strconv.Itoa(i)
		}
		ctx := d1.WithKeys(r.Context(), keys...)
		tx, err := db.BeginTx(ctx, nil)
		if err != nil {
			reply(w, nil, err)
			return
		}
		var expanded int64
		if err := tx.QueryRow("SELECT count(*) FROM counter WHERE id IN (SELECT value FROM json_each(?))", "[1, 2, 3]").Scan(&expanded); err != nil {
			tx.Rollback()
			reply(w, nil, err)
			return
		}
		tx.Exec("UPDATE counter SET n = n + 1 WHERE id = 1")
		commitErr := tx.Commit()
		args := make([]any, 101)
		for i := range args {
			args[i] = int64(i)
		}
		rows, tooMany := db.QueryContext(r.Context(), "SELECT 1 WHERE 1 IN ("+strings.TrimSuffix(strings.Repeat("?,", 101), ",")+")", args...)
		if tooMany == nil {
			rows.Close()
		}
		reply(w, map[string]any{"commit_err": errString(commitErr), "expanded": expanded, "params_101_err": errString(tooMany)}, nil)
	})
	workers.Serve(mux)
}

func count(ctx context.Context, db *sql.DB) int64 {
	var n int64
	db.QueryRowContext(ctx, "SELECT n FROM counter WHERE id = 1").Scan(&n)
	return n
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}
