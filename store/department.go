package store

import (
	"context"
	"fmt"
	"strings"

	"huitong"
)

const departmentColumns = `code, name, short_name, jurisdiction, level, authority, created_at`

func scanDepartment(s interface{ Scan(...any) error }) (*huitong.Department, error) {
	var d huitong.Department
	var level string
	if err := s.Scan(&d.Code, &d.Name, &d.ShortName, &d.Jurisdiction, &level, &d.Authority, &d.CreatedAt); err != nil {
		return nil, err
	}
	d.Level = huitong.Level(level)
	d.CreatedAt = d.CreatedAt.UTC()
	return &d, nil
}

// InsertDepartment adds d. ECONFLICT when its code or name exists.
func (tx *Tx) InsertDepartment(ctx context.Context, d *huitong.Department) error {
	if d.CreatedAt.IsZero() {
		d.CreatedAt = tx.db.Now()
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO departments (`+departmentColumns+`) VALUES (?, ?, ?, ?, ?, ?, ?)`,
		d.Code, d.Name, d.ShortName, d.Jurisdiction, string(d.Level), d.Authority, d.CreatedAt)
	if IsUniqueViolation(err) {
		return huitong.Errorf(huitong.ECONFLICT, "部门已存在: %s (%s)", d.Name, d.Code)
	} else if err != nil {
		return fmt.Errorf("store: insert department: %w", err)
	}
	return nil
}

// FindDepartment returns the department with the given credit code.
func (tx *Tx) FindDepartment(ctx context.Context, code string) (*huitong.Department, error) {
	d, err := scanDepartment(tx.QueryRowContext(ctx, `SELECT `+departmentColumns+` FROM departments WHERE code = ?`, code))
	if err != nil {
		return nil, notFound(err, "部门不存在: %s", code)
	}
	return d, nil
}

// FindDepartment returns the department with the given credit code.
func (db *DB) FindDepartment(ctx context.Context, code string) (d *huitong.Department, err error) {
	err = db.View(ctx, func(tx *Tx) error {
		d, err = tx.FindDepartment(ctx, code)
		return err
	})
	return d, err
}

// Departments lists departments matching f, ordered by jurisdiction then name.
func (db *DB) Departments(ctx context.Context, f huitong.DepartmentFilter) ([]*huitong.Department, error) {
	q := `SELECT ` + departmentColumns + ` FROM departments WHERE 1=1`
	var args []any
	if f.Jurisdiction != "" {
		q += ` AND jurisdiction = ?`
		args = append(args, f.Jurisdiction)
	}
	if f.Within != "" {
		// Division codes nest by prefix once trailing "00" pairs are dropped.
		prefix := strings.TrimRight(f.Within, "0")
		if len(prefix)%2 == 1 {
			prefix += "0"
		}
		q += ` AND jurisdiction LIKE ?`
		args = append(args, prefix+"%")
	}
	if f.Level != "" {
		q += ` AND level = ?`
		args = append(args, string(f.Level))
	}
	if f.Query != "" {
		q += ` AND name LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(f.Query)+"%")
	}
	q += ` ORDER BY jurisdiction, name`
	rows, err := db.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, fmt.Errorf("store: departments: %w", err)
	}
	defer rows.Close()
	var out []*huitong.Department
	for rows.Next() {
		d, err := scanDepartment(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, rows.Err()
}

// escapeLike escapes LIKE wildcards in user text; use with ESCAPE '\'.
func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, "%", `\%`, "_", `\_`).Replace(s)
}
