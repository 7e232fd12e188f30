package audit

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"huitong"
	"huitong/gm"
)

// checkpointHeader is the first line of every checkpoint payload; a new
// layout gets a new version.
const checkpointHeader = "huitong audit checkpoint v1"

// CheckpointPayload returns the text a checkpoint signs, one "name: value"
// line each after the header, ending in a newline:
//
//	huitong audit checkpoint v1
//	chain: main
//	seq: 1234
//	hash: 9f0c...64 hex
//	at: 2026-03-02T08:00:00.000000Z
//	key: <SM3 fingerprint of the signing public key>
//
// Plain text, so a person reads what was signed and a shell script (see
// WriteExport) picks the hash out with sed.
func CheckpointPayload(chain string, seq int64, hash string, at time.Time, key string) string {
	var b strings.Builder
	b.WriteString(checkpointHeader + "\n")
	b.WriteString("chain: " + chain + "\n")
	b.WriteString("seq: " + strconv.FormatInt(seq, 10) + "\n")
	b.WriteString("hash: " + hash + "\n")
	b.WriteString("at: " + at.UTC().Format(canonicalTime) + "\n")
	b.WriteString("key: " + key + "\n")
	return b.String()
}

// SignCheckpoint signs the statement that chain had head hash at seq, with
// the platform key k: SM2 with SM3 and the GM/T 0009 default signer id
// (GB/T 32918.2-2016), which OpenSSL 3 verifies with
// -pkeyopt distid:1234567812345678.
func SignCheckpoint(k *gm.PrivateKey, chain string, seq int64, hash string, at time.Time) (*huitong.Checkpoint, error) {
	pub := k.Public()
	if pub == nil {
		return nil, fmt.Errorf("audit: sign checkpoint: no key")
	}
	at = at.UTC().Truncate(time.Microsecond)
	cp := &huitong.Checkpoint{Chain: chain, Seq: seq, Hash: hash, At: at, Key: pub.Fingerprint()}
	cp.Payload = CheckpointPayload(chain, seq, hash, at, cp.Key)
	sig, err := k.Sign([]byte(cp.Payload))
	if err != nil {
		return nil, fmt.Errorf("audit: sign checkpoint: %w", err)
	}
	cp.Signature = sig
	return cp, nil
}

// VerifyCheckpoint checks that cp's payload states its fields, names pub
// as the key, and carries pub's valid signature. The error says which.
func VerifyCheckpoint(pub *gm.PublicKey, cp *huitong.Checkpoint) error {
	if pub == nil {
		return fmt.Errorf("audit: checkpoint %s/%d: no public key to verify it with", cp.Chain, cp.Seq)
	}
	if fp := pub.Fingerprint(); cp.Key != fp {
		return fmt.Errorf("audit: checkpoint %s/%d: signed by key %s, not %s", cp.Chain, cp.Seq, short(cp.Key), short(fp))
	}
	if want := CheckpointPayload(cp.Chain, cp.Seq, cp.Hash, cp.At, cp.Key); cp.Payload != want {
		return fmt.Errorf("audit: checkpoint %s/%d: payload does not state the checkpoint's chain, sequence, hash, time and key", cp.Chain, cp.Seq)
	}
	if !pub.Verify([]byte(cp.Payload), cp.Signature) {
		return fmt.Errorf("audit: checkpoint %s/%d: SM2 signature does not verify", cp.Chain, cp.Seq)
	}
	return nil
}

// ParseCheckpointPayload reads the fields back from a payload (for
// exports read back from disk). It does not check any signature.
func ParseCheckpointPayload(payload string) (*huitong.Checkpoint, error) {
	lines := strings.Split(strings.TrimSuffix(payload, "\n"), "\n")
	if len(lines) != 6 || lines[0] != checkpointHeader {
		return nil, fmt.Errorf("audit: checkpoint payload: want %q and five fields", checkpointHeader)
	}
	cp := &huitong.Checkpoint{Payload: payload}
	for i, name := range []string{"chain", "seq", "hash", "at", "key"} {
		v, ok := strings.CutPrefix(lines[i+1], name+": ")
		if !ok {
			return nil, fmt.Errorf("audit: checkpoint payload line %d: want %q", i+2, name+": ...")
		}
		var err error
		switch name {
		case "chain":
			cp.Chain = v
		case "seq":
			cp.Seq, err = strconv.ParseInt(v, 10, 64)
		case "hash":
			cp.Hash = v
		case "at":
			cp.At, err = time.Parse(canonicalTime, v)
		case "key":
			cp.Key = v
		}
		if err != nil {
			return nil, fmt.Errorf("audit: checkpoint payload %s: %w", name, err)
		}
	}
	return cp, nil
}
