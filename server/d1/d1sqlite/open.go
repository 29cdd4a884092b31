//go:build !js

package d1sqlite

import (
	"database/sql"
	"net/url"

	_ "modernc.org/sqlite" // registers the "sqlite" driver
)

// Open returns a Backend over the SQLite file at path, set up as D1 runs:
// foreign keys enforced; WAL, a busy timeout and IMMEDIATE transactions so
// that concurrent batches queue rather than fail.
func Open(path string) (*Backend, error) {
	q := url.Values{}
	for _, p := range []string{"busy_timeout(5000)", "journal_mode(WAL)", "foreign_keys(1)"} {
		q.Add("_pragma", p)
	}
	q.Set("_txlock", "immediate")
	db, err := sql.Open("sqlite", "file:"+path+"?"+q.Encode())
	if err != nil {
		return nil, err
	}
	return New(db), nil
}
