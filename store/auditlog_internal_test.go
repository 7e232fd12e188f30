package store

import (
	"testing"
	"time"

	"huitong/audit"
)

func TestCanonicalSQLiteTime(t *testing.T) {
	tests := []struct {
		name, stored string
	}{
		{"Micros", "2026-11-22 06:39:52.699051+00:00"},
		{"TrailingZerosTrimmed", "2026-11-22 06:39:52.6+00:00"},
		{"WholeSecond", "2026-11-22 06:39:52+00:00"},
		{"Nanos", "2026-11-22 06:39:52.123456789+00:00"},
		{"OtherZone", "2026-11-22 14:39:52.5+08:00"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := canonicalSQLiteTime(nil, []byte(tt.stored))
			if err != nil {
				t.Fatal(err)
			}
			parsed, err := parseSQLiteTime(tt.stored)
			if err != nil {
				t.Fatal(err)
			}
			if want := parsed.UTC().Truncate(time.Microsecond).Format(audit.CanonicalTime); string(got) != want {
				t.Errorf("got %s, want %s", got, want)
			}
		})
	}
}
