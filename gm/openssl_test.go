package gm_test

import (
	"bytes"
	"encoding/hex"
	"encoding/pem"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"huitong/gm"
)

// These tests check interoperability with stock OpenSSL 3, a tool nobody
// here wrote: what huitong signs must verify with
//
//	openssl pkeyutl -verify -pubin -inkey pub.pem -rawin -digest sm3 \
//	    -pkeyopt distid:1234567812345678 -in payload -sigfile sig.der
//
// and OpenSSL's signatures made with that id must verify here. The distid is
// spelled out because OpenSSL's own default id is empty, not GM/T 0009's.

// distidDefault is the -pkeyopt that selects the GM/T 0009 default id.
const distidDefault = "distid:" + gm.DefaultSignerID

func opensslPath(t *testing.T) string {
	t.Helper()
	p, err := exec.LookPath("openssl")
	if err != nil {
		t.Skip("openssl not found in PATH")
	}
	return p
}

func openssl(t *testing.T, bin string, args ...string) (string, error) {
	t.Helper()
	out, err := exec.Command(bin, args...).CombinedOutput()
	return string(out), err
}

func writeFile(t *testing.T, dir, name string, b []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestOpenSSLVerifiesOurSignature(t *testing.T) {
	bin := opensslPath(t)
	dir := t.TempDir()
	k := mustKey(t)
	payload := []byte(`{"证照标识":"1.2.156.3005.2.11100000000013338W011.11110000000021135M.20230329701.003.Y"}`)
	sig, err := k.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	pubPath := writeFile(t, dir, "pub.pem", k.Public().PEM())
	sigPath := writeFile(t, dir, "sig.der", sig)
	tampered := bytes.Clone(payload)
	tampered[len(tampered)-2] ^= 1

	t.Run("ReadsKeyAsSM2", func(t *testing.T) {
		out, err := openssl(t, bin, "pkey", "-pubin", "-in", pubPath, "-text", "-noout")
		if err != nil {
			t.Fatalf("openssl pkey: %v\n%s", err, out)
		}
		if !strings.Contains(out, "ASN1 OID: SM2") {
			t.Errorf("got %q, want it to contain %q", out, "ASN1 OID: SM2")
		}
	})

	tests := []struct {
		name    string
		payload []byte
		distid  string
		wantOK  bool
	}{
		{"OK", payload, distidDefault, true},
		{"ErrTamperedPayload", tampered, distidDefault, false},
		{"ErrEmptyPayload", []byte{}, distidDefault, false},
		// The id is bound into the signature: an explicitly empty id fails.
		{"ErrEmptyID", payload, "distid:", false},
		{"ErrOtherID", payload, "distid:ALICE123@YAHOO.COM", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			in := writeFile(t, dir, "payload-"+tt.name, tt.payload)
			out, err := openssl(t, bin, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath,
				"-rawin", "-digest", "sm3", "-pkeyopt", tt.distid, "-in", in, "-sigfile", sigPath)
			if got := err == nil; got != tt.wantOK {
				t.Errorf("openssl verify success: got %v, want %v\n%s", got, tt.wantOK, out)
			}
			if tt.wantOK && !strings.Contains(out, "Signature Verified Successfully") {
				t.Errorf("got output %q, want %q", out, "Signature Verified Successfully")
			}
		})
	}

	t.Run("DgstSigopt", func(t *testing.T) {
		in := writeFile(t, dir, "payload-dgst", payload)
		out, err := openssl(t, bin, "dgst", "-sm3", "-verify", pubPath, "-sigopt", distidDefault,
			"-signature", sigPath, in)
		if err != nil {
			t.Errorf("openssl dgst -verify: got %v, want success\n%s", err, out)
		}
	})

	// Without -pkeyopt distid, OpenSSL 1.1.1-3.x use an empty id rather than
	// the GM/T 0009 default; versions differ, so this is logged, not asserted.
	in := writeFile(t, dir, "payload-nodistid", payload)
	out, err := openssl(t, bin, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath,
		"-rawin", "-digest", "sm3", "-in", in, "-sigfile", sigPath)
	t.Logf("openssl without distid (OpenSSL's own default id): err=%v %s", err, strings.TrimSpace(out))
}

func TestWeVerifyOpenSSLSignature(t *testing.T) {
	bin := opensslPath(t)
	dir := t.TempDir()
	keyPath := filepath.Join(dir, "key.pem")
	pubPath := filepath.Join(dir, "pub.pem")
	payload := []byte("审计检查点 #1024 3f1c")
	payloadPath := writeFile(t, dir, "payload", payload)

	for _, args := range [][]string{
		{"genpkey", "-algorithm", "SM2", "-out", keyPath},
		{"pkey", "-in", keyPath, "-pubout", "-out", pubPath},
	} {
		if out, err := openssl(t, bin, args...); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
	sign := func(t *testing.T, distid string) []byte {
		t.Helper()
		sigPath := filepath.Join(dir, "sig-"+strings.TrimPrefix(distid, "distid:")+".der")
		args := []string{"pkeyutl", "-sign", "-inkey", keyPath, "-rawin", "-digest", "sm3",
			"-pkeyopt", distid, "-in", payloadPath, "-out", sigPath}
		if out, err := openssl(t, bin, args...); err != nil {
			t.Fatalf("openssl %s: %v\n%s", strings.Join(args, " "), err, out)
		}
		sig, err := os.ReadFile(sigPath)
		if err != nil {
			t.Fatal(err)
		}
		return sig
	}
	pubPEM, err := os.ReadFile(pubPath)
	if err != nil {
		t.Fatal(err)
	}
	pub, err := gm.ParsePublicKeyPEM(pubPEM)
	if err != nil {
		t.Fatalf("ParsePublicKeyPEM(openssl's PEM): %v", err)
	}
	sig := sign(t, distidDefault)
	emptyIDSig := sign(t, "distid:")
	tampered := bytes.Clone(payload)
	tampered[0] ^= 1

	tests := []struct {
		name    string
		payload []byte
		sig     []byte
		want    bool
	}{
		{"OK", payload, sig, true},
		{"ErrTamperedPayload", tampered, sig, false},
		{"ErrEmptyIDSignature", payload, emptyIDSig, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pub.Verify(tt.payload, tt.sig); got != tt.want {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	// OpenSSL's PKCS#8 private key parses here, matches its public key, and
	// what we sign with it OpenSSL verifies.
	t.Run("ParseOpenSSLPrivateKey", func(t *testing.T) {
		keyPEM, err := os.ReadFile(keyPath)
		if err != nil {
			t.Fatal(err)
		}
		block, _ := pem.Decode(keyPEM)
		if block == nil || block.Type != "PRIVATE KEY" {
			t.Fatalf("got PEM block %v, want PRIVATE KEY", block)
		}
		k, err := gm.ParsePKCS8(block.Bytes)
		if err != nil {
			t.Fatalf("ParsePKCS8: %v", err)
		}
		if !k.Public().Equal(pub) {
			t.Fatalf("got public key %v, want %v", k.Public(), pub)
		}
		if got, want := string(k.Public().PEM()), string(pubPEM); got != want {
			t.Errorf("PEM: got %v, want %v", got, want)
		}
		ours, err := k.Sign(payload)
		if err != nil {
			t.Fatal(err)
		}
		oursPath := writeFile(t, dir, "ours.der", ours)
		out, err := openssl(t, bin, "pkeyutl", "-verify", "-pubin", "-inkey", pubPath,
			"-rawin", "-digest", "sm3", "-pkeyopt", distidDefault, "-in", payloadPath, "-sigfile", oursPath)
		if err != nil {
			t.Errorf("openssl verify: got %v, want success\n%s", err, out)
		}
	})
}

func TestOpenSSLSM3(t *testing.T) {
	bin := opensslPath(t)
	data := bytes.Repeat([]byte("汇通"), 1000)
	in := writeFile(t, t.TempDir(), "data", data)
	out, err := openssl(t, bin, "dgst", "-sm3", "-r", in)
	if err != nil {
		t.Fatalf("openssl dgst: %v\n%s", err, out)
	}
	want := strings.Fields(out)[0]
	sum := gm.SM3(data)
	h := gm.NewSM3()
	h.Write(data)
	for _, tt := range []struct {
		name string
		got  []byte
	}{{"SM3", sum[:]}, {"NewSM3", h.Sum(nil)}} {
		t.Run(tt.name, func(t *testing.T) {
			if got := hex.EncodeToString(tt.got); got != want {
				t.Errorf("got %v, want %v", got, want)
			}
		})
	}
}
