package cert

import (
	"context"
	"strings"

	"huitong"
	"huitong/gbcode"
)

// LibraryPath is the mount URL of the certificate library (电子证照库) in
// the catalog: an API-mounted resource with this URL is answered by
// LibraryRecord inside the platform (huitong.PlatformSources), so that a
// department granted queries on it through the exchange reads a holder's
// certificates like any other shared data: by grant, with its items
// projected and masked, every query audited.
const LibraryPath = "/api/v1/certificate-library"

// LibraryItems are the items of the certificate library's catalog entry,
// by code: the key item (the holder's citizen ID number or credit code),
// then one value per certificate for the others, in the same order, joined
// by LibrarySep.
var LibraryItems = []huitong.Item{
	{Name: "持证主体代码", Code: "CZZTDM", Type: huitong.TypeString, Length: 18, Key: true, KeyKind: huitong.KeyOther, Sensitive: true},
	{Name: "持证主体", Code: "CZZT", Type: huitong.TypeString, Length: 200, Sensitive: true},
	{Name: "证照标识", Code: "ZZBS", Type: huitong.TypeString, Length: 2000},
	{Name: "证照类型代码", Code: "ZZLXDM", Type: huitong.TypeString, Length: 2000},
	{Name: "证照名称", Code: "ZZMC", Type: huitong.TypeString, Length: 2000},
	{Name: "颁发机构", Code: "BFJG", Type: huitong.TypeString, Length: 2000},
	{Name: "颁发机构代码", Code: "BFJGDM", Type: huitong.TypeString, Length: 2000},
	{Name: "颁发日期", Code: "BFRQ", Type: huitong.TypeString, Length: 2000},
	{Name: "有效期截止日期", Code: "YXQJZRQ", Type: huitong.TypeString, Length: 2000},
	{Name: "证照状态", Code: "ZZZT", Type: huitong.TypeString, Length: 2000},
}

// LibrarySep separates the certificates' values within one item.
const LibrarySep = "；"

// libraryMax is the most certificates one answer lists, newest first.
const libraryMax = 100

// LibraryRecord answers the exchange for the certificate library: the
// record of holder key, one value per certificate in each item (newest
// first, at most 100), the status as at now ("有效", "已过期", ...), and
// the jurisdiction of the holder's number. ENOTFOUND when the holder has
// no certificate or the key is neither a valid citizen ID number nor a
// valid credit code. The exchange has checked the caller's grant, so this
// does not look at the caller; it does not audit either: the exchange's
// audit entry of the query is the record of it.
func (s *Service) LibraryRecord(ctx context.Context, key string) (map[string]string, string, error) {
	key = holderKey(key)
	var jurisdiction string
	if _, _, div := gbcode.CitizenIDInfo(key); div != "" {
		jurisdiction = div
	} else if code, err := gbcode.USCC(key); err == nil {
		jurisdiction = code[2:8] // GB 32100: positions 3-8 are the registration division
	} else {
		return nil, "", huitong.Errorf(huitong.ENOTFOUND, "持证主体代码不是有效的公民身份号码或统一社会信用代码")
	}
	list, err := s.list(ctx, huitong.CertFilter{Holder: key, Limit: libraryMax})
	if err != nil {
		return nil, "", err
	}
	if len(list.Items) == 0 {
		return nil, "", huitong.Errorf(huitong.ENOTFOUND, "电子证照库中没有该主体的证照")
	}
	now := s.clock.Now()
	cols := make(map[string][]string, len(LibraryItems))
	for _, c := range list.Items {
		add := func(code, v string) { cols[code] = append(cols[code], strings.ReplaceAll(v, LibrarySep, ";")) }
		add("ZZBS", c.ID)
		add("ZZLXDM", c.TypeCode)
		add("ZZMC", c.TypeName)
		add("BFJG", c.IssuerName)
		add("BFJGDM", c.Issuer)
		add("BFRQ", c.IssuedAt.In(chinaTime).Format("2006-01-02"))
		to := "长期"
		if !c.ValidTo.IsZero() {
			to = c.ValidTo.In(chinaTime).AddDate(0, 0, -1).Format("2006-01-02") // ValidTo is the midnight after the last day
		}
		add("YXQJZRQ", to)
		add("ZZZT", c.StatusAt(now).Label())
	}
	data := map[string]string{"CZZTDM": key, "CZZT": list.Items[0].HolderName}
	for code, vs := range cols {
		data[code] = strings.Join(vs, LibrarySep)
	}
	return data, jurisdiction, nil
}
