package gm

import (
	"crypto/cipher"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"log/slog"
	"strings"

	"github.com/emmansun/gmsm/sm4"
)

// Sealed blob layout: version (1 byte) || nonce (12 bytes) || ciphertext || tag (16 bytes).
const (
	// SealVersion is the first byte of every blob Keyring.Seal writes:
	// SM4-128 (GB/T 32907-2016) in GCM mode (NIST SP 800-38D, as used for
	// SM4 by RFC 8998) with a 12-byte random nonce and a 16-byte tag. Open
	// rejects any other version.
	SealVersion byte = 1

	// MasterKeySize is the size in bytes of a Keyring master key (an SM4 key).
	MasterKeySize = sm4.BlockSize

	sealNonceSize = 12
	sealTagSize   = 16
	sealOverhead  = 1 + sealNonceSize + sealTagSize
)

// privateKeyADPrefix separates the additional data of sealed private keys
// from that of sealed fields, so Open(blob, []byte(id)) can never open a
// sealed private key and OpenPrivateKey can never open a sealed field.
const privateKeyADPrefix = "huitong/gm/private-key\x00"

// Keyring encrypts secrets at rest (private keys, sensitive fields) under
// one 16-byte SM4 master key taken from configuration. It is safe for
// concurrent use. It prints as a redacted placeholder under every fmt verb
// and in slog; it keeps only the expanded cipher, not a copy of the key.
//
// Nonces are random, so one master key should seal fewer than 2^32 values
// (NIST SP 800-38D 8.3); rotate the master key well before that.
type Keyring struct {
	// A pointer, so that even printing a Keyring value through reflection
	// (as an unexported field of another struct) shows an address only.
	st *keyringState
}

type keyringState struct {
	aead cipher.AEAD
}

// NewKeyring returns a Keyring over masterKey, which must be exactly
// MasterKeySize (16) bytes and not all zero. It fails with
// RuleMasterKeyMissing, RuleMasterKeyLength or RuleMasterKeyWeak; errors
// give the length found, never the key. masterKey is not retained.
func NewKeyring(masterKey []byte) (*Keyring, error) {
	if len(masterKey) == 0 {
		return nil, errorf(RuleMasterKeyMissing, "未配置主密钥: 需要 %d 字节的 SM4 密钥", MasterKeySize)
	}
	if len(masterKey) != MasterKeySize {
		return nil, errorf(RuleMasterKeyLength, "主密钥长度为 %d 字节, 应为 %d 字节 (SM4-128)", len(masterKey), MasterKeySize)
	}
	if subtle.ConstantTimeCompare(masterKey, make([]byte, MasterKeySize)) == 1 {
		return nil, errorf(RuleMasterKeyWeak, "主密钥全为零, 像是占位值: 请用 `openssl rand -hex 16` 生成")
	}
	block, err := sm4.NewCipher(masterKey)
	if err != nil {
		return nil, errorf(RuleMasterKeyLength, "主密钥不是有效的 SM4 密钥 (应为 %d 字节)", MasterKeySize)
	}
	aead, err := cipher.NewGCM(block) // 12-byte nonce, 16-byte tag
	if err != nil {
		return nil, errorf(RuleMasterKeyLength, "无法以该主密钥建立 SM4-GCM")
	}
	return &Keyring{st: &keyringState{aead: aead}}, nil
}

// ParseKeyring decodes a master key from configuration and returns its
// Keyring. s (surrounding white space ignored) is either 32 hexadecimal
// characters or the base64 (standard or URL alphabet, padded or not) of 16
// bytes. Errors name the problem (RuleMasterKeyMissing,
// RuleMasterKeyEncoding, RuleMasterKeyLength, RuleMasterKeyWeak) and give
// lengths and positions only, never characters of s.
func ParseKeyring(s string) (*Keyring, error) {
	s = strings.TrimSpace(s)
	var key []byte
	switch n := len(s); n {
	case 0:
		return nil, errorf(RuleMasterKeyMissing, "未配置主密钥: 应为 32 位十六进制或 16 字节的 base64")
	case 2 * MasterKeySize:
		key = make([]byte, MasterKeySize)
		for i := 0; i < n; i++ {
			if !isHex(s[i]) {
				return nil, errorf(RuleMasterKeyEncoding, "主密钥为 32 个字符, 按十六进制解析, 但第 %d 个字符不是十六进制数字", i+1)
			}
		}
		if _, err := hex.Decode(key, []byte(s)); err != nil {
			return nil, errorf(RuleMasterKeyEncoding, "主密钥不是有效的十六进制")
		}
	case 22, 24: // base64 of 16 bytes: 22 characters raw, 24 padded
		var err error
		key, err = decodeBase64Key(s)
		if err != nil {
			return nil, err
		}
	default:
		return nil, errorf(RuleMasterKeyEncoding, "主密钥为 %d 个字符, 应为 32 位十六进制或 16 字节的 base64 (22 或 24 个字符)", n)
	}
	defer clear(key)
	return NewKeyring(key)
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

func decodeBase64Key(s string) ([]byte, error) {
	enc := base64.StdEncoding
	if strings.ContainsAny(s, "-_") {
		enc = base64.URLEncoding
	}
	if !strings.HasSuffix(s, "=") {
		enc = enc.WithPadding(base64.NoPadding)
	}
	key, err := enc.Strict().DecodeString(s)
	if err != nil {
		// base64.CorruptInputError is an offset, not content; still, say it
		// in our own words.
		if off, ok := err.(base64.CorruptInputError); ok {
			return nil, errorf(RuleMasterKeyEncoding, "主密钥按 base64 解析失败: 第 %d 个字符无效", int64(off)+1)
		}
		return nil, errorf(RuleMasterKeyEncoding, "主密钥不是有效的 base64")
	}
	if len(key) != MasterKeySize {
		clear(key)
		return nil, errorf(RuleMasterKeyLength, "主密钥 base64 解码后为 %d 字节, 应为 %d 字节", len(key), MasterKeySize)
	}
	return key, nil
}

// Seal encrypts and authenticates plaintext, and authenticates
// additionalData (which is not stored: Open needs the same bytes), with
// SM4-GCM under a fresh random 12-byte nonce. The result is
// SealVersion || nonce || ciphertext || tag, len(plaintext)+29 bytes. Bind
// each value to where it lives (table, column, row id) through
// additionalData so that a blob copied elsewhere does not open.
func (r *Keyring) Seal(plaintext, additionalData []byte) ([]byte, error) {
	if r == nil || r.st == nil {
		return nil, errorf(RuleMasterKeyMissing, "密钥环为空: 请用 NewKeyring 或 ParseKeyring 创建")
	}
	out := make([]byte, 1+sealNonceSize, len(plaintext)+sealOverhead)
	out[0] = SealVersion
	nonce := out[1 : 1+sealNonceSize]
	if _, err := rand.Read(nonce); err != nil {
		return nil, errorf(RuleRandom, "生成随机数失败: 系统随机数源不可用")
	}
	return r.st.aead.Seal(out, nonce, plaintext, additionalData), nil
}

// Open checks and decrypts a blob from Seal. It fails with RuleSealedFormat
// if sealed is shorter than 29 bytes or not of SealVersion, and with
// RuleOpenFailed if the blob was altered, was sealed under another master
// key or with other additionalData; these three cannot be told apart, by
// design.
func (r *Keyring) Open(sealed, additionalData []byte) ([]byte, error) {
	if r == nil || r.st == nil {
		return nil, errorf(RuleMasterKeyMissing, "密钥环为空: 请用 NewKeyring 或 ParseKeyring 创建")
	}
	if len(sealed) < sealOverhead {
		return nil, errorf(RuleSealedFormat, "密文长度为 %d 字节, 至少应为 %d 字节 (版本 1 + 随机数 12 + 认证标签 16)", len(sealed), sealOverhead)
	}
	if sealed[0] != SealVersion {
		return nil, errorf(RuleSealedFormat, "密文版本为 %d, 仅支持版本 %d (SM4-GCM)", sealed[0], SealVersion)
	}
	nonce := sealed[1 : 1+sealNonceSize]
	pt, err := r.st.aead.Open(nil, nonce, sealed[1+sealNonceSize:], additionalData)
	if err != nil {
		return nil, errorf(RuleOpenFailed, "密文认证失败: 数据被篡改, 或主密钥、附加数据与加密时不符")
	}
	return pt, nil
}

// SealPrivateKey seals k's PKCS #8 encoding with id (the key's stable name,
// e.g. a seal id) bound as additional data, domain-separated from field
// additional data so the blob opens only through OpenPrivateKey with the
// same id. id must not be empty (RuleKeyID).
func (r *Keyring) SealPrivateKey(k *PrivateKey, id string) ([]byte, error) {
	if id == "" {
		return nil, errorf(RuleKeyID, "私钥标识 id 不能为空: 它作为附加数据把密文绑定到该私钥")
	}
	der, err := k.MarshalPKCS8()
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return r.Seal(der, privateKeyAD(id))
}

// OpenPrivateKey opens a blob from SealPrivateKey sealed under the same id.
// It fails like Open (RuleSealedFormat, RuleOpenFailed; a wrong id is
// RuleOpenFailed) and like ParsePKCS8.
func (r *Keyring) OpenPrivateKey(b []byte, id string) (*PrivateKey, error) {
	if id == "" {
		return nil, errorf(RuleKeyID, "私钥标识 id 不能为空: 应与加密时相同")
	}
	der, err := r.Open(b, privateKeyAD(id))
	if err != nil {
		return nil, err
	}
	defer clear(der)
	return ParsePKCS8(der)
}

func privateKeyAD(id string) []byte {
	return []byte(privateKeyADPrefix + id)
}

// String returns a redacted placeholder; the master key is never shown.
func (r *Keyring) String() string {
	if r == nil || r.st == nil {
		return "gm.Keyring{<empty>}"
	}
	return "gm.Keyring{SM4-GCM, master key REDACTED}"
}

// GoString is String: %#v must not dump the key schedule.
func (r *Keyring) GoString() string { return r.String() }

// Format makes every fmt verb print String, so no verb can reach the fields.
func (r *Keyring) Format(f fmt.State, verb rune) { fmt.Fprint(f, r.String()) }

// LogValue makes slog print String instead of the fields.
func (r *Keyring) LogValue() slog.Value { return slog.StringValue(r.String()) }
