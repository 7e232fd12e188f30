package gm

import (
	"crypto/ecdsa"
	"crypto/rand"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"log/slog"
	"unsafe"

	"github.com/emmansun/gmsm/sm2"
	"github.com/emmansun/gmsm/smx509"
)

// pemTypePublicKey is the PEM block type of a PKIX SubjectPublicKeyInfo.
const pemTypePublicKey = "PUBLIC KEY"

// PrivateKey is an SM2 private key (GB/T 32918-2016, GM/T 0003-2012). Its
// zero value holds no key: Sign on it fails. It prints as a redacted
// placeholder with the public key's fingerprint, never the private scalar.
//
// NB: the only ways to get the scalar out are MarshalPKCS8 and
// Keyring.SealPrivateKey; store the former only sealed.
type PrivateKey struct {
	k *sm2.PrivateKey
}

// PublicKey is an SM2 public key: a point on the SM2 curve
// (OID 1.2.156.10197.1.301, GM/T 0006-2012). Its zero value holds no key:
// Verify on it reports false and PEM, DER and Fingerprint are empty.
type PublicKey struct {
	pub *ecdsa.PublicKey
}

// GenerateKey returns a new SM2 key pair drawn from crypto/rand.
// It fails with RuleRandom only if the system random source fails.
func GenerateKey() (*PrivateKey, error) {
	k, err := sm2.GenerateKey(rand.Reader)
	if err != nil {
		return nil, errorf(RuleRandom, "生成 SM2 密钥失败: 系统随机数源不可用")
	}
	return &PrivateKey{k: k}, nil
}

// Public returns the public half of k, or nil if k holds no key.
func (k *PrivateKey) Public() *PublicKey {
	if k == nil || k.k == nil {
		return nil
	}
	pub := k.k.PublicKey // copy: the caller cannot reach the private key through it
	return &PublicKey{pub: &pub}
}

// Sign returns the SM2-with-SM3 signature of msg (GB/T 32918.2-2016) with
// the default signer id DefaultSignerID (GM/T 0009-2012), as the DER
// SEQUENCE { r INTEGER, s INTEGER } of GM/T 0009. msg is the message itself,
// not a digest: Z_A and SM3 are computed here. Signatures are randomised, so
// two signatures of one message differ; both verify.
func (k *PrivateKey) Sign(msg []byte) ([]byte, error) {
	if k == nil || k.k == nil {
		return nil, errorf(RuleKeyMissing, "签名私钥为空: 请用 GenerateKey、ParsePKCS8 或 Keyring.OpenPrivateKey 取得私钥")
	}
	sig, err := k.k.Sign(rand.Reader, msg, sm2.NewSM2SignerOption(true, []byte(DefaultSignerID)))
	if err != nil {
		return nil, errorf(RuleRandom, "SM2 签名失败: 系统随机数源不可用")
	}
	return sig, nil
}

// MarshalPKCS8 returns k as an unencrypted PKCS #8 DER PrivateKeyInfo
// (algorithm id-ecPublicKey, curve SM2), the form `openssl genpkey
// -algorithm SM2` writes.
//
// NB: the result is the bare private key. Seal it (Keyring.SealPrivateKey)
// before it leaves memory, and never log it.
func (k *PrivateKey) MarshalPKCS8() ([]byte, error) {
	if k == nil || k.k == nil {
		return nil, errorf(RuleKeyMissing, "私钥为空, 无法编码为 PKCS#8")
	}
	der, err := smx509.MarshalPKCS8PrivateKey(k.k)
	if err != nil {
		return nil, errorf(RuleKeyEncoding, "SM2 私钥无法编码为 PKCS#8")
	}
	return der, nil
}

// ParsePKCS8 parses an unencrypted PKCS #8 DER private key on the SM2 curve,
// as written by MarshalPKCS8 or by OpenSSL (algorithm id-ecPublicKey with
// curve SM2, or the SM2 algorithm OID 1.2.156.10197.1.301). It fails with
// RuleKeyEncoding if der is not PKCS #8 and RuleNotSM2 for a key of another
// algorithm or curve. Errors never quote der.
func ParsePKCS8(der []byte) (*PrivateKey, error) {
	key, err := smx509.ParsePKCS8PrivateKey(der)
	if err != nil {
		// The underlying message is dropped on purpose: it is about the
		// structure of secret bytes and adds nothing a person can act on.
		return nil, errorf(RuleKeyEncoding, "私钥不是未加密的 PKCS#8 DER (PEM 类型应为 PRIVATE KEY; SEC1 的 EC PRIVATE KEY 请先用 openssl pkcs8 -topk8 -nocrypt 转换)")
	}
	switch k := key.(type) {
	case *sm2.PrivateKey:
		return &PrivateKey{k: k}, nil
	case *ecdsa.PrivateKey:
		if k.Curve == sm2.P256() {
			sk, err := new(sm2.PrivateKey).FromECPrivateKey(k)
			if err != nil {
				return nil, errorf(RuleKeyEncoding, "SM2 私钥数值超出范围")
			}
			return &PrivateKey{k: sk}, nil
		}
		return nil, errorf(RuleNotSM2, "私钥曲线为 %s, 应为 SM2 曲线 (1.2.156.10197.1.301)", k.Curve.Params().Name)
	default:
		return nil, errorf(RuleNotSM2, "私钥类型为 %T, 应为 SM2 私钥", key)
	}
}

// String returns a redacted description naming the public key fingerprint.
func (k *PrivateKey) String() string {
	if k == nil || k.k == nil {
		return "gm.PrivateKey{<empty>}"
	}
	return "gm.PrivateKey{SM2, public=" + k.Public().Fingerprint() + ", private=REDACTED}"
}

// GoString is String: %#v must not dump the private scalar either.
func (k *PrivateKey) GoString() string { return k.String() }

// Format makes every fmt verb (%v, %+v, %#v, %s, %x, %d ...) print String,
// so no verb can reach the fields.
func (k *PrivateKey) Format(f fmt.State, verb rune) { fmt.Fprint(f, k.String()) }

// LogValue makes slog print String instead of the fields.
func (k *PrivateKey) LogValue() slog.Value { return slog.StringValue(k.String()) }

// Verify reports whether sig is a valid DER SM2-with-SM3 signature of msg by
// p with the default signer id (GB/T 32918.2-2016, GM/T 0009-2012). It
// accepts signatures from Sign and from `openssl pkeyutl -sign -rawin
// -digest sm3 -pkeyopt distid:1234567812345678`. A malformed sig, or a nil or zero p, reports false.
func (p *PublicKey) Verify(msg, sig []byte) bool {
	if p == nil || p.pub == nil {
		return false
	}
	return sm2.VerifyASN1WithSM2(p.pub, []byte(DefaultSignerID), msg, sig)
}

// VerifyString is Verify of a message held in a string (as a database
// driver returns a text column), without copying it into a byte slice
// first.
func (p *PublicKey) VerifyString(msg string, sig []byte) bool {
	// NB: the slice aliases msg's immutable bytes; Verify only reads them.
	return p.Verify(unsafe.Slice(unsafe.StringData(msg), len(msg)), sig)
}

// DER returns p as a DER PKIX SubjectPublicKeyInfo (algorithm
// id-ecPublicKey, named curve SM2 1.2.156.10197.1.301), or nil if p holds
// no key.
func (p *PublicKey) DER() []byte {
	if p == nil || p.pub == nil {
		return nil
	}
	der, err := smx509.MarshalPKIXPublicKey(p.pub)
	if err != nil {
		// Unreachable for keys built by this package: they are checked to be
		// on the SM2 curve when made or parsed.
		return nil
	}
	return der
}

// PEM returns p as a "PUBLIC KEY" PEM block of DER, which OpenSSL 3 reads as
// an SM2 key (`openssl pkey -pubin -text` shows "ASN1 OID: SM2"). It returns
// nil if p holds no key.
func (p *PublicKey) PEM() []byte {
	der := p.DER()
	if der == nil {
		return nil
	}
	return pem.EncodeToMemory(&pem.Block{Type: pemTypePublicKey, Bytes: der})
}

// Fingerprint returns the lower-case hex SM3 of p's DER encoding: 64
// characters, stable for a key however it was encoded on input, and the id
// huitong uses to name a public key. It returns "" if p holds no key.
func (p *PublicKey) Fingerprint() string {
	der := p.DER()
	if der == nil {
		return ""
	}
	sum := SM3(der)
	return hex.EncodeToString(sum[:])
}

// Equal reports whether p and q hold the same public key.
func (p *PublicKey) Equal(q *PublicKey) bool {
	if p == nil || q == nil || p.pub == nil || q.pub == nil {
		return false
	}
	return p.pub.Equal(q.pub)
}

// String returns "gm.PublicKey{SM2, <fingerprint>}".
func (p *PublicKey) String() string {
	fp := p.Fingerprint()
	if fp == "" {
		return "gm.PublicKey{<empty>}"
	}
	return "gm.PublicKey{SM2, " + fp + "}"
}

// ParsePublicKeyPEM parses the first PEM block of b, which must be of type
// "PUBLIC KEY" and hold an SM2 public key (as written by PEM or by
// `openssl pkey -pubout`). It fails with RulePEM if there is no such block,
// RuleKeyEncoding if the DER does not parse and RuleNotSM2 for a key of
// another algorithm or curve.
func ParsePublicKeyPEM(b []byte) (*PublicKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errorf(RulePEM, "未找到 PEM 块: 应以 -----BEGIN PUBLIC KEY----- 开头")
	}
	if block.Type != pemTypePublicKey {
		return nil, errorf(RulePEM, "PEM 块类型为 %q, 应为 %q", block.Type, pemTypePublicKey)
	}
	return ParsePublicKeyDER(block.Bytes)
}

// ParsePublicKeyDER parses a DER PKIX SubjectPublicKeyInfo holding an SM2
// public key. It fails with RuleKeyEncoding if der does not parse (including
// a point off the curve) and RuleNotSM2 for another algorithm or curve.
func ParsePublicKeyDER(der []byte) (*PublicKey, error) {
	key, err := smx509.ParsePKIXPublicKey(der)
	if err != nil {
		return nil, errorf(RuleKeyEncoding, "公钥不是有效的 PKIX SubjectPublicKeyInfo DER: %v", err)
	}
	pub, ok := key.(*ecdsa.PublicKey)
	if !ok {
		return nil, errorf(RuleNotSM2, "公钥类型为 %T, 应为 SM2 公钥", key)
	}
	if pub.Curve != sm2.P256() {
		return nil, errorf(RuleNotSM2, "公钥曲线为 %s, 应为 SM2 曲线 (1.2.156.10197.1.301)", pub.Curve.Params().Name)
	}
	return &PublicKey{pub: pub}, nil
}
