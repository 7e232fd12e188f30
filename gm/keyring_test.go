package gm_test

import (
	"bytes"
	"crypto/cipher"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"sync"
	"testing"

	"github.com/emmansun/gmsm/sm4"

	"huitong/gm"
)

func randomMasterKey(t testing.TB) []byte {
	t.Helper()
	key := make([]byte, gm.MasterKeySize)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	return key
}

func mustKeyring(t testing.TB, key []byte) *gm.Keyring {
	t.Helper()
	r, err := gm.NewKeyring(key)
	if err != nil {
		t.Fatalf("NewKeyring: %v", err)
	}
	return r
}

func TestNewKeyringErrors(t *testing.T) {
	tests := []struct {
		name string
		key  []byte
		rule string
	}{
		{"ErrNil", nil, gm.RuleMasterKeyMissing},
		{"ErrShort", make([]byte, 15), gm.RuleMasterKeyLength},
		{"ErrLong", bytes.Repeat([]byte{7}, 32), gm.RuleMasterKeyLength},
		{"ErrAllZero", make([]byte, 16), gm.RuleMasterKeyWeak},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := gm.NewKeyring(tt.key)
			wantRule(t, err, tt.rule)
			if r != nil {
				t.Errorf("got keyring %v, want nil", r)
			}
		})
	}
}

func TestParseKeyring(t *testing.T) {
	key := randomMasterKey(t)
	ref := mustKeyring(t, key)
	sealed, err := ref.Seal([]byte("秘密"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		in   string
	}{
		{"Hex", hex.EncodeToString(key)},
		{"HexUpper", strings.ToUpper(hex.EncodeToString(key))},
		{"HexWithNewline", hex.EncodeToString(key) + "\n"},
		{"Base64", base64.StdEncoding.EncodeToString(key)},
		{"Base64Raw", base64.RawStdEncoding.EncodeToString(key)},
		{"Base64URL", base64.URLEncoding.EncodeToString(key)},
		{"Base64RawURL", base64.RawURLEncoding.EncodeToString(key)},
		{"Base64Spaces", "  " + base64.StdEncoding.EncodeToString(key) + " \r\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := gm.ParseKeyring(tt.in)
			if err != nil {
				t.Fatalf("ParseKeyring: %v", err)
			}
			// Same key: opens what the reference keyring sealed.
			got, err := r.Open(sealed, []byte("ad"))
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if string(got) != "秘密" {
				t.Errorf("got %q, want %q", got, "秘密")
			}
		})
	}
}

func TestParseKeyringErrors(t *testing.T) {
	key := randomMasterKey(t)
	h := hex.EncodeToString(key)
	b64 := base64.StdEncoding.EncodeToString(key)
	tests := []struct {
		name string
		in   string
		rule string
	}{
		{"ErrEmpty", "", gm.RuleMasterKeyMissing},
		{"ErrBlank", " \n\t", gm.RuleMasterKeyMissing},
		{"ErrHexShort", h[:30], gm.RuleMasterKeyEncoding},
		{"ErrHexLong", h + "ab", gm.RuleMasterKeyEncoding},
		{"ErrHexBadChar", h[:20] + "zz" + h[22:], gm.RuleMasterKeyEncoding},
		{"ErrHexZero", strings.Repeat("0", 32), gm.RuleMasterKeyWeak},
		{"ErrBase64BadChar", b64[:5] + "*" + b64[6:], gm.RuleMasterKeyEncoding},
		{"ErrBase64MixedAlphabet", "-" + b64[1:21] + "+==", gm.RuleMasterKeyEncoding},
		{"ErrBase64Of18Bytes", base64.RawStdEncoding.EncodeToString(append(bytes.Clone(key), 1, 2)), gm.RuleMasterKeyLength},
		{"ErrBase64Of15Bytes", base64.StdEncoding.EncodeToString(key[:15]), gm.RuleMasterKeyEncoding},
		{"ErrBase64Zero", base64.StdEncoding.EncodeToString(make([]byte, 16)), gm.RuleMasterKeyWeak},
		{"ErrPassphrase", "correct horse battery staple", gm.RuleMasterKeyEncoding},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := gm.ParseKeyring(tt.in)
			wantRule(t, err, tt.rule)
			if r != nil {
				t.Errorf("got keyring %v, want nil", r)
			}
			// The message never echoes the configured value, not even a part.
			s := strings.TrimSpace(tt.in)
			for i := 0; i+6 <= len(s); i++ {
				if part := s[i : i+6]; strings.Contains(err.Error(), part) && strings.Trim(part, "0") != "" {
					t.Fatalf("error %q echoes %q of the key", err, part)
				}
			}
		})
	}
}

func TestSealOpen(t *testing.T) {
	r := mustKeyring(t, randomMasterKey(t))
	for _, tt := range []struct {
		name string
		pt   []byte
		ad   []byte
	}{
		{"OK", []byte("110105194912310021"), []byte("person.id_number#42")},
		{"EmptyPlaintext", nil, []byte("ad")},
		{"NoAD", []byte("x"), nil},
		{"Large", bytes.Repeat([]byte("数据"), 10000), []byte("blob")},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sealed, err := r.Seal(tt.pt, tt.ad)
			if err != nil {
				t.Fatalf("Seal: %v", err)
			}
			if got, want := len(sealed), len(tt.pt)+29; got != want {
				t.Errorf("len: got %v, want %v", got, want)
			}
			if got, want := sealed[0], gm.SealVersion; got != want {
				t.Errorf("version byte: got %v, want %v", got, want)
			}
			// Only meaningful for plaintexts long enough not to turn up in
			// random ciphertext by chance (a 1-byte one does ~11% of the time).
			if len(tt.pt) >= 8 && bytes.Contains(sealed, tt.pt) {
				t.Errorf("sealed blob contains the plaintext")
			}
			got, err := r.Open(sealed, tt.ad)
			if err != nil {
				t.Fatalf("Open: %v", err)
			}
			if !bytes.Equal(got, tt.pt) {
				t.Errorf("got %q, want %q", got, tt.pt)
			}
		})
	}
}

func TestSealRandomNonce(t *testing.T) {
	r := mustKeyring(t, randomMasterKey(t))
	a, _ := r.Seal([]byte("same"), nil)
	b, _ := r.Seal([]byte("same"), nil)
	if bytes.Equal(a[1:13], b[1:13]) {
		t.Errorf("got the same nonce %x twice, want fresh random nonces", a[1:13])
	}
	if bytes.Equal(a, b) {
		t.Errorf("got equal blobs for two seals, want different")
	}
}

// TestSealLayout opens a blob with an AEAD built independently from gmsm's
// SM4 and the standard GCM, checking the documented layout
// version || nonce || ciphertext+tag.
func TestSealLayout(t *testing.T) {
	key := randomMasterKey(t)
	sealed, err := mustKeyring(t, key).Seal([]byte("layout"), []byte("ad"))
	if err != nil {
		t.Fatal(err)
	}
	block, err := sm4.NewCipher(key)
	if err != nil {
		t.Fatal(err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		t.Fatal(err)
	}
	got, err := aead.Open(nil, sealed[1:13], sealed[13:], []byte("ad"))
	if err != nil {
		t.Fatalf("independent SM4-GCM open: %v", err)
	}
	if string(got) != "layout" {
		t.Errorf("got %q, want %q", got, "layout")
	}
}

func TestOpenRejects(t *testing.T) {
	key := randomMasterKey(t)
	r := mustKeyring(t, key)
	other := mustKeyring(t, randomMasterKey(t))
	ad := []byte("certificate.holder_id#7")
	sealed, err := r.Seal([]byte("secret field"), ad)
	if err != nil {
		t.Fatal(err)
	}
	flip := func(i int) []byte {
		b := bytes.Clone(sealed)
		b[i] ^= 0x01
		return b
	}
	tests := []struct {
		name   string
		r      *gm.Keyring
		sealed []byte
		ad     []byte
		rule   string
	}{
		{"ErrVersionByte", r, flip(0), ad, gm.RuleSealedFormat},
		{"ErrTamperedNonce", r, flip(5), ad, gm.RuleOpenFailed},
		{"ErrTamperedCiphertext", r, flip(14), ad, gm.RuleOpenFailed},
		{"ErrTamperedTag", r, flip(len(sealed) - 1), ad, gm.RuleOpenFailed},
		{"ErrTruncated", r, sealed[:len(sealed)-1], ad, gm.RuleOpenFailed},
		{"ErrAppended", r, append(bytes.Clone(sealed), 0), ad, gm.RuleOpenFailed},
		{"ErrTooShort", r, sealed[:28], ad, gm.RuleSealedFormat},
		{"ErrEmpty", r, nil, ad, gm.RuleSealedFormat},
		{"ErrWrongKey", other, sealed, ad, gm.RuleOpenFailed},
		{"ErrWrongAD", r, sealed, []byte("certificate.holder_id#8"), gm.RuleOpenFailed},
		{"ErrMissingAD", r, sealed, nil, gm.RuleOpenFailed},
		{"ErrNilKeyring", nil, sealed, ad, gm.RuleMasterKeyMissing},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			pt, err := tt.r.Open(tt.sealed, tt.ad)
			wantRule(t, err, tt.rule)
			if pt != nil {
				t.Errorf("got plaintext %q, want nil", pt)
			}
		})
	}
}

func TestSealPrivateKey(t *testing.T) {
	r := mustKeyring(t, randomMasterKey(t))
	k := mustKey(t)
	blob, err := r.SealPrivateKey(k, "seal-001")
	if err != nil {
		t.Fatalf("SealPrivateKey: %v", err)
	}
	der, err := k.MarshalPKCS8()
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(blob, der[len(der)-40:]) {
		t.Errorf("sealed blob contains PKCS#8 bytes in the clear")
	}

	t.Run("OK", func(t *testing.T) {
		back, err := r.OpenPrivateKey(blob, "seal-001")
		if err != nil {
			t.Fatalf("OpenPrivateKey: %v", err)
		}
		if !back.Public().Equal(k.Public()) {
			t.Errorf("got %v, want %v", back.Public(), k.Public())
		}
		sig, err := back.Sign([]byte("m"))
		if err != nil {
			t.Fatal(err)
		}
		if !k.Public().Verify([]byte("m"), sig) {
			t.Errorf("Verify: got false, want true")
		}
	})
	t.Run("ErrWrongID", func(t *testing.T) {
		_, err := r.OpenPrivateKey(blob, "seal-002")
		wantRule(t, err, gm.RuleOpenFailed)
	})
	t.Run("ErrWrongKeyring", func(t *testing.T) {
		_, err := mustKeyring(t, randomMasterKey(t)).OpenPrivateKey(blob, "seal-001")
		wantRule(t, err, gm.RuleOpenFailed)
	})
	t.Run("ErrOpenAsField", func(t *testing.T) {
		// Domain separation: the id alone as field AD does not open a key blob.
		_, err := r.Open(blob, []byte("seal-001"))
		wantRule(t, err, gm.RuleOpenFailed)
	})
	t.Run("ErrFieldAsKey", func(t *testing.T) {
		der, err := k.MarshalPKCS8()
		if err != nil {
			t.Fatal(err)
		}
		field, err := r.Seal(der, []byte("seal-001"))
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.OpenPrivateKey(field, "seal-001")
		wantRule(t, err, gm.RuleOpenFailed)
	})
	t.Run("ErrEmptyID", func(t *testing.T) {
		_, err := r.SealPrivateKey(k, "")
		wantRule(t, err, gm.RuleKeyID)
		_, err = r.OpenPrivateKey(blob, "")
		wantRule(t, err, gm.RuleKeyID)
	})
	t.Run("ErrNilKey", func(t *testing.T) {
		_, err := r.SealPrivateKey(nil, "seal-001")
		wantRule(t, err, gm.RuleKeyMissing)
	})
}

func TestKeyringConcurrent(t *testing.T) {
	r := mustKeyring(t, randomMasterKey(t))
	var wg sync.WaitGroup
	errs := make(chan error, 16)
	for i := range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			pt := bytes.Repeat([]byte{byte(i)}, 100+i)
			for range 50 {
				s, err := r.Seal(pt, []byte{byte(i)})
				if err != nil {
					errs <- err
					return
				}
				got, err := r.Open(s, []byte{byte(i)})
				if err != nil {
					errs <- err
					return
				}
				if !bytes.Equal(got, pt) {
					errs <- &gm.Error{Rule: "test", Message: "round trip mismatch"}
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("got %v, want nil", err)
	}
}
