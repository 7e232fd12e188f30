package exchange_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"

	"huitong"
	"huitong/exchange"
	"huitong/exchange/exchangetest"
	"huitong/gbcode"
	"huitong/store/storetest"
)

// Masking follows the value and the item: each rule, and values that only
// resemble a code are not taken for one.
func TestMask(t *testing.T) {
	id := "62010219900307123" + string(gbcode.CitizenIDCheck("62010219900307123"))
	uscc := gbcode.MakeUSCC('9', '1', "620100", "MA74XXXX")
	cases := []struct {
		item      huitong.Item
		val, want string
	}{
		{huitong.Item{Name: "公民身份号码", KeyKind: huitong.KeyCitizenID}, id, id[:6] + "********" + id[14:]},
		{huitong.Item{Name: "备注"}, "  " + id + " ", id[:6] + "********" + id[14:]}, // an ID number in free text
		{huitong.Item{Name: "联系电话"}, "13812345678", "138****5678"},
		{huitong.Item{Name: "联系电话"}, "138-1234-5678", "138****5678"},
		{huitong.Item{Name: "统一社会信用代码", KeyKind: huitong.KeyUSCC}, uscc, uscc[:8] + "********" + uscc[16:]},
		{huitong.Item{Name: "姓名"}, "王伟", "王*"},
		{huitong.Item{Name: "法定代表人"}, "欧阳明月", "欧阳**"},
		{huitong.Item{Name: "住址"}, "兰州市城关区庆阳路", "兰州*******"},
		{huitong.Item{Name: "编号"}, "12345678901", "12*********"}, // 11 digits, not a mobile number
		{huitong.Item{Name: "编号"}, "1381234567", "13********"},   // 10 digits
	}
	for _, c := range cases {
		if got := exchange.Mask(&c.item, c.val); got != c.want {
			t.Errorf("Mask(%s, %q) = %q, want %q", c.item.Name, c.val, got, c.want)
		}
	}
}

// The subject hash of a key is the same however often and from however
// many goroutines it is taken (the keyed MACs are reused), and differs
// between keys.
func TestSubjectHashStable(t *testing.T) {
	db := storetest.Open(t, "sqlite")
	env := setup(t, db, exchangetest.Options{People: 10})
	ctx := context.Background()
	want := map[string]string{}
	for _, k := range env.PeopleKeys {
		h, err := env.Exchange.SubjectHash(ctx, k)
		if err != nil {
			t.Fatal(err)
		}
		if len(h) != 32 {
			t.Fatalf("hash %q: want 32 hex digits", h)
		}
		for k2, h2 := range want {
			if h2 == h {
				t.Fatalf("%s and %s hash alike", k, k2)
			}
		}
		want[k] = h
	}
	var wg sync.WaitGroup
	for range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				for k, h := range want {
					if got, err := env.Exchange.SubjectHash(ctx, k); err != nil || got != h {
						t.Errorf("%s: got %s %v, want %s", k, got, err, h)
						return
					}
				}
			}
		}()
	}
	wg.Wait()
}

// A verification's answer is written by hand: the bytes encoding/json
// writes, whatever the item names.
func TestVerifyResultJSON(t *testing.T) {
	for _, r := range []exchange.VerifyResult{
		{Grant: 7, Match: true, Items: map[string]bool{"姓名": true, "性别": true}},
		{Grant: 0, Match: false, Items: map[string]bool{"<script>&\"\\": false, "a\x00b\u2028": true, "bad\xff": true, "Z": false}},
		{Grant: -1, Items: map[string]bool{}},
		{Grant: 1 << 60},
	} {
		want, err := json.Marshal(&r)
		if err != nil {
			t.Fatal(err)
		}
		if got := r.AppendJSON(nil); string(got) != string(want) {
			t.Errorf("AppendJSON\n got %s\nwant %s", got, want)
		}
	}
}

// A key carries its jurisdiction: the address code of an ID number, the
// registration division (positions 3-8) of a credit code.
func TestKeyJurisdiction(t *testing.T) {
	id := "62010219900307123" + string(gbcode.CitizenIDCheck("62010219900307123"))
	uscc := gbcode.MakeUSCC('9', '1', "620102", "MA74XXXX")
	wrong := uscc[:17] + map[bool]string{true: "1", false: "0"}[uscc[17] == '0']
	for _, c := range []struct {
		kind      huitong.KeyKind
		key, want string
	}{
		{huitong.KeyCitizenID, id, "620102"},
		{huitong.KeyUSCC, uscc, "620102"},
		{huitong.KeyUSCC, "91620102MA74XXXX0", ""}, // too short
		{huitong.KeyUSCC, wrong, ""},               // wrong check character
		{huitong.KeyOther, uscc, ""},
	} {
		if got := exchange.KeyJurisdiction(c.kind, c.key); got != c.want {
			t.Errorf("%s %q: got %q, want %q", c.kind, c.key, got, c.want)
		}
	}
}
