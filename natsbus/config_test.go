package natsbus_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"huitong/natsbus"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name      string
		cfg       natsbus.Config
		wantField string
		wantRule  string
	}{
		{"OK/Embedded", natsbus.Config{StoreDir: "/tmp/x"}, "", ""},
		{"OK/External", natsbus.Config{URL: "nats://a:4222, nats://b:4222", Replicas: 3}, "", ""},
		{"OK/PrefixWithDash", natsbus.Config{StoreDir: "/tmp/x", Prefix: "test-01_a"}, "", ""},
		{"ErrStoreDirRequired", natsbus.Config{}, "StoreDir", natsbus.RuleStoreDirRequired},
		{"ErrStoreDirBlank", natsbus.Config{StoreDir: "  "}, "StoreDir", natsbus.RuleStoreDirRequired},
		{"ErrEmbeddedReplicas", natsbus.Config{StoreDir: "/tmp/x", Replicas: 3}, "Replicas", natsbus.RuleReplicasRange},
		{"ErrExternalReplicas", natsbus.Config{URL: "nats://a:4222", Replicas: 7}, "Replicas", natsbus.RuleReplicasRange},
		{"ErrURLEmptyEntry", natsbus.Config{URL: "nats://a:4222,,nats://b:4222"}, "URL", natsbus.RuleURLEmptyEntry},
		{"ErrPrefixDot", natsbus.Config{StoreDir: "/tmp/x", Prefix: "hui.tong"}, "Prefix", natsbus.RulePrefixCharset},
		{"ErrPrefixWildcard", natsbus.Config{StoreDir: "/tmp/x", Prefix: "hui*"}, "Prefix", natsbus.RulePrefixCharset},
		{"ErrPrefixSpace", natsbus.Config{StoreDir: "/tmp/x", Prefix: "hui tong"}, "Prefix", natsbus.RulePrefixCharset},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			if tt.wantRule == "" {
				if err != nil {
					t.Fatalf("got %v, want nil", err)
				}
				return
			}
			var e *natsbus.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *natsbus.Error", err)
			}
			if e.Field != tt.wantField || e.Rule != tt.wantRule {
				t.Errorf("got %s/%s, want %s/%s", e.Field, e.Rule, tt.wantField, tt.wantRule)
			}
			if !strings.Contains(err.Error(), tt.wantRule) {
				t.Errorf("got message %q, want it to name rule %s", err.Error(), tt.wantRule)
			}
		})
	}
}

func TestOpenRefusesBadConfig(t *testing.T) {
	_, err := natsbus.Open(context.Background(), natsbus.Config{})
	var e *natsbus.Error
	if !errors.As(err, &e) || e.Rule != natsbus.RuleStoreDirRequired {
		t.Fatalf("got %v, want rule %s", err, natsbus.RuleStoreDirRequired)
	}
}

func TestOpenExternalUnreachable(t *testing.T) {
	// Port 1 on loopback: nothing listens there, so the dial is refused.
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
	defer cancel()
	b, err := natsbus.Open(ctx, natsbus.Config{URL: "nats://127.0.0.1:1"})
	if err == nil {
		b.Close()
		t.Fatalf("got nil error, want a connect error")
	}
	if !strings.Contains(err.Error(), "127.0.0.1:1") {
		t.Errorf("got %q, want it to name the URL", err)
	}
}

func TestSubject(t *testing.T) {
	b := openBus(t, natsbus.Config{StoreDir: t.TempDir()})
	tests := []struct {
		name  string
		parts []string
		want  string
	}{
		{"NoParts", nil, "huitong"},
		{"OK", []string{"exchange", "request"}, "huitong.exchange.request"},
		{"DotInPart", []string{"catalog", "A.1/001"}, "huitong.catalog.A_1/001"},
		{"Wildcards", []string{"*", ">", "a*b"}, "huitong._._.a_b"},
		{"Whitespace", []string{"a b\tc\n"}, "huitong.a_b_c_"},
		{"Empty", []string{"x", "", "y"}, "huitong.x._.y"},
		{"Chinese", []string{"省公安厅"}, "huitong.省公安厅"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := b.Subject(tt.parts...); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
	if got, want := b.StreamName("audit"), "huitong_audit"; got != want {
		t.Errorf("StreamName: got %q, want %q", got, want)
	}
}

func TestEnsureStreamRefusesBadArguments(t *testing.T) {
	b := openBus(t, natsbus.Config{StoreDir: t.TempDir()})
	tests := []struct {
		name      string
		stream    string
		subjects  []string
		maxAge    time.Duration
		wantField string
		wantRule  string
	}{
		{"ErrNameDot", "a.b", []string{"huitong.a"}, 0, "name", natsbus.RuleNameCharset},
		{"ErrNameEmpty", "", []string{"huitong.a"}, 0, "name", natsbus.RuleNameCharset},
		{"ErrNoSubjects", "a", nil, 0, "subjects", natsbus.RuleSubjectsRequired},
		{"ErrOutsidePrefix", "a", []string{"huitong.a", "other.a"}, 0, "subjects[1]", natsbus.RuleSubjectPrefix},
		{"ErrPrefixOnlyToken", "a", []string{"huitongx.a"}, 0, "subjects[0]", natsbus.RuleSubjectPrefix},
		{"ErrBadSubject", "a", []string{"huitong..a"}, 0, "subjects[0]", natsbus.RuleSubjectInvalid},
		{"ErrBadWildcard", "a", []string{"huitong.>.a"}, 0, "subjects[0]", natsbus.RuleSubjectInvalid},
		{"ErrNegativeMaxAge", "a", []string{"huitong.a"}, -time.Second, "maxAge", natsbus.RuleMaxAgeNegative},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := b.EnsureStream(testCtx(t), tt.stream, tt.subjects, tt.maxAge)
			var e *natsbus.Error
			if !errors.As(err, &e) {
				t.Fatalf("got %v, want *natsbus.Error", err)
			}
			if e.Field != tt.wantField || e.Rule != tt.wantRule {
				t.Errorf("got %s/%s, want %s/%s", e.Field, e.Rule, tt.wantField, tt.wantRule)
			}
		})
	}
}
