//go:build !js

package sqlite

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"strings"
)

// Preparing a statement, SQLite's parse and plan, cost more than running it
// (a fifth of the server's CPU under an ingest load, and more of the
// writer's, which every write waits for). The store's queries are a few
// dozen constant strings, so each connection keeps its statements prepared
// and runs them again: cachingConn is modernc.org/sqlite's connection with
// a statement cache, under database/sql, which serves one caller at a time
// per connection. Nothing of the store's code changes.

// stmtCacheSize bounds the statements one connection keeps: more than the
// store has constant queries; a query built at run time (an IN list of
// some length) is cached while there is room, then prepared each time.
const stmtCacheSize = 256

// connector opens modernc connections on dsn, each with its cache.
type connector struct {
	dsn   string
	inner driver.Driver
}

func (c connector) Connect(context.Context) (driver.Conn, error) {
	conn, err := c.inner.Open(c.dsn)
	if err != nil {
		return nil, err
	}
	return &cachingConn{Conn: conn, stmts: map[string]*cachedStmt{}}, nil
}

func (c connector) Driver() driver.Driver { return c.inner }

// openCaching opens dsn with the "sqlite" driver's connections, each under
// a statement cache.
func openCaching(dsn string) (*sql.DB, error) {
	probe, err := sql.Open("sqlite", dsn) // only to reach the registered driver
	if err != nil {
		return nil, err
	}
	inner := probe.Driver()
	probe.Close()
	return sql.OpenDB(connector{dsn: dsn, inner: inner}), nil
}

// conn is what database/sql uses of a modernc connection.
type conn interface {
	driver.Conn
	driver.ConnBeginTx
	driver.ConnPrepareContext
	driver.ExecerContext
	driver.QueryerContext
}

type cachingConn struct {
	driver.Conn
	stmts map[string]*cachedStmt
}

type cachedStmt struct {
	s    driver.Stmt
	busy bool // rows read from it are still open
}

func (c *cachingConn) inner() conn { return c.Conn.(conn) }

// stmt returns the prepared statement of query, or nil when it is not to
// be cached: a script of several statements, or one whose rows are still
// being read (a second query of the same text meanwhile gets its own).
func (c *cachingConn) stmt(ctx context.Context, query string) (*cachedStmt, error) {
	if cs, ok := c.stmts[query]; ok {
		if cs.busy {
			return nil, nil
		}
		return cs, nil
	}
	if len(c.stmts) >= stmtCacheSize || strings.Contains(query, ";") {
		return nil, nil
	}
	s, err := c.inner().PrepareContext(ctx, query)
	if err != nil {
		return nil, err
	}
	cs := &cachedStmt{s: s}
	c.stmts[query] = cs
	return cs, nil
}

func (c *cachingConn) ExecContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Result, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil || cs == nil {
		return c.inner().ExecContext(ctx, query, args)
	}
	return cs.s.(driver.StmtExecContext).ExecContext(ctx, args)
}

func (c *cachingConn) QueryContext(ctx context.Context, query string, args []driver.NamedValue) (driver.Rows, error) {
	cs, err := c.stmt(ctx, query)
	if err != nil || cs == nil {
		return c.inner().QueryContext(ctx, query, args)
	}
	rows, err := cs.s.(driver.StmtQueryContext).QueryContext(ctx, args)
	if err != nil {
		return nil, err
	}
	cs.busy = true
	return &cachedRows{Rows: rows, cs: cs}, nil
}

func (c *cachingConn) PrepareContext(ctx context.Context, query string) (driver.Stmt, error) {
	return c.inner().PrepareContext(ctx, query)
}

func (c *cachingConn) BeginTx(ctx context.Context, opts driver.TxOptions) (driver.Tx, error) {
	return c.inner().BeginTx(ctx, opts)
}

func (c *cachingConn) Ping(ctx context.Context) error {
	if p, ok := c.Conn.(driver.Pinger); ok {
		return p.Ping(ctx)
	}
	return nil
}

func (c *cachingConn) ResetSession(ctx context.Context) error {
	if r, ok := c.Conn.(driver.SessionResetter); ok {
		return r.ResetSession(ctx)
	}
	return nil
}

func (c *cachingConn) IsValid() bool {
	if v, ok := c.Conn.(driver.Validator); ok {
		return v.IsValid()
	}
	return true
}

func (c *cachingConn) Close() error {
	for _, cs := range c.stmts {
		cs.s.Close()
	}
	c.stmts = nil
	return c.Conn.Close()
}

// cachedRows gives its statement back when closed.
type cachedRows struct {
	driver.Rows
	cs *cachedStmt
}

func (r *cachedRows) Close() error {
	r.cs.busy = false
	return r.Rows.Close()
}
