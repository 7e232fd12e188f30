package gm_test

import (
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"math/big"
	"regexp"
	"strings"
	"testing"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"

	"huitong/gm"
)

var longNumber = regexp.MustCompile(`[0-9a-fA-F]{20,}|[0-9]{20,}`)

var verbs = []string{"%v", "%+v", "%#v", "%s", "%q", "%x", "%X", "%d", "%T"}

// secretForms returns the ways a secret could show up in text.
func secretForms(b []byte) []string {
	n := new(big.Int).SetBytes(b)
	return []string{
		hex.EncodeToString(b),
		strings.ToUpper(hex.EncodeToString(b)),
		base64.StdEncoding.EncodeToString(b),
		n.Text(10),
		n.Text(16),
		strings.Trim(fmt.Sprint(b), "[]"),
		fmt.Sprintf("%x", b[:8]),
	}
}

func assertNoSecret(t *testing.T, out string, forms []string) {
	t.Helper()
	for _, f := range forms {
		if strings.Contains(out, f) {
			t.Fatalf("output %q reveals the secret (as %q)", out, f)
		}
	}
}

func privateScalar(t *testing.T, k *gm.PrivateKey) []byte {
	t.Helper()
	der, err := k.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	key, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	return key.(*sm2.PrivateKey).D.FillBytes(make([]byte, 32))
}

type holder struct {
	k  gm.PrivateKey
	kp *gm.PrivateKey
	r  gm.Keyring
	rp *gm.Keyring
}

func TestRedaction(t *testing.T) {
	k := mustKey(t)
	master := randomMasterKey(t)
	r := mustKeyring(t, master)
	kForms := secretForms(privateScalar(t, k))
	rForms := secretForms(master)

	for _, verb := range verbs {
		t.Run("PrivateKey"+verb, func(t *testing.T) {
			out := fmt.Sprintf(verb, k)
			assertNoSecret(t, out, kForms)
			if verb != "%T" && verb != "%q" && out != k.String() {
				t.Errorf("got %q, want %q", out, k.String())
			}
		})
		t.Run("Keyring"+verb, func(t *testing.T) {
			out := fmt.Sprintf(verb, r)
			assertNoSecret(t, out, rForms)
			if verb != "%T" && verb != "%q" && out != r.String() {
				t.Errorf("got %q, want %q", out, r.String())
			}
		})
		t.Run("Nested"+verb, func(t *testing.T) {
			// Unexported fields of another struct: fmt cannot call our
			// methods there and walks the fields by reflection.
			h := holder{k: *k, kp: k, r: *r, rp: r}
			for _, v := range []any{h, &h} {
				out := fmt.Sprintf(verb, v)
				assertNoSecret(t, out, kForms)
				assertNoSecret(t, out, rForms)
				// Whatever fmt walks, it must stop at pointers: no long
				// number (a scalar, a key, a key schedule word run) appears.
				if m := longNumber.FindString(out); m != "" {
					t.Errorf("got %q containing %q, want only short pointers", out, m)
				}
			}
		})
	}
	if s := k.String(); !strings.Contains(s, k.Public().Fingerprint()) || !strings.Contains(s, "REDACTED") {
		t.Errorf("PrivateKey.String: got %q, want the fingerprint and REDACTED", s)
	}
	if s := r.String(); !strings.Contains(s, "REDACTED") {
		t.Errorf("Keyring.String: got %q, want REDACTED", s)
	}

	t.Run("Slog", func(t *testing.T) {
		var buf bytes.Buffer
		for _, h := range []slog.Handler{slog.NewTextHandler(&buf, nil), slog.NewJSONHandler(&buf, nil)} {
			slog.New(h).Info("keys", "key", k, "keyring", r, "nested", holder{k: *k, r: *r})
		}
		out := buf.String()
		assertNoSecret(t, out, kForms)
		assertNoSecret(t, out, rForms)
		if got, want := strings.Count(out, "REDACTED"), 4; got < want {
			t.Errorf("REDACTED count: got %v, want at least %v in %s", got, want, out)
		}
	})
}
