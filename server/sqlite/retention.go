package sqlite

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"

	"github.com/lokaal-nl/lokaal/server"
)

const retentionSetting = "retention_policy"

// RetentionPolicy returns the stored policy, or server.DefaultRetention.
func (s *DB) RetentionPolicy(ctx context.Context) (server.RetentionPolicy, error) {
	var v string
	err := s.db.QueryRowContext(ctx, "SELECT value FROM settings WHERE key = ?", retentionSetting).Scan(&v)
	if errors.Is(err, sql.ErrNoRows) {
		return server.DefaultRetention, nil
	}
	if err != nil {
		return server.RetentionPolicy{}, err
	}
	var p server.RetentionPolicy
	if err := json.Unmarshal([]byte(v), &p); err != nil {
		return server.RetentionPolicy{}, err
	}
	return p, nil
}
