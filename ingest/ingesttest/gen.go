package ingesttest

import (
	"bufio"
	"fmt"
	"io"
	"math/rand/v2"
	"strings"
	"sync"

	"huitong/divisions"
)

// Counties returns the county-level divisions of 甘肃省 (GB/T 2260 codes).
var Counties = sync.OnceValue(func() []divisions.Division {
	var out []divisions.Division
	for _, d := range divisions.Under("620000") {
		if d.Level == divisions.County {
			out = append(out, d)
		}
	}
	return out
})

const (
	surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万严武戴孔汤"
	given    = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超霞平刚秀英兰桂建国华志海燕晓东文博子涵雨萱浩然欣怡栋玉红梅永学卫德亚楠思远婷春生继庆振宏佳琪雪金花鹏飞瑞慧斌鑫蕾琳"
)

// PeopleHeader is the header of People files: the item names of Env.People.
var PeopleHeader = []string{"公民身份号码", "姓名", "性别", "出生日期", "民族", "户籍地址", "联系电话", "户籍登记日期", "家庭人口数", "备注"}

// Gen generates people with valid, distinct citizen ID numbers (GB 11643,
// real Gansu county codes), in an order that looks random but is a fixed
// permutation of 0..n-1, so no memory is needed to keep keys distinct.
type Gen struct {
	n        uint64
	p, a, c  uint64 // permutation j = (a*i + c) mod p, p prime > n
	rng      *rand.Rand
	sur, giv []rune
	counties []divisions.Division
}

// NewGen returns a generator of n people.
func NewGen(n int, seed uint64) *Gen {
	g := &Gen{n: uint64(n), rng: rand.New(rand.NewPCG(seed, 7)), sur: []rune(surnames), giv: []rune(given), counties: Counties()}
	g.p = nextPrime(uint64(n) + 1)
	g.a = 1 + g.rng.Uint64N(g.p-1)
	g.c = g.rng.Uint64N(g.p)
	return g
}

func nextPrime(n uint64) uint64 {
	for ; ; n++ {
		prime := n > 1
		for d := uint64(2); d*d <= n; d++ {
			if n%d == 0 {
				prime = false
				break
			}
		}
		if prime {
			return n
		}
	}
}

// index returns the i-th index of the permutation.
func (g *Gen) index(i uint64) uint64 {
	j := (g.a*i + g.c) % g.p
	for j >= g.n {
		j = (g.a*j + g.c) % g.p
	}
	return j
}

// ID returns the citizen ID number of person j (0 <= j < n): distinct for
// distinct j.
func (g *Gen) ID(j uint64) string {
	cs := g.counties
	county := cs[j%uint64(len(cs))].Code
	rest := j / uint64(len(cs))
	day := int(rest % 25000) // births from 1940 over about 68 years
	seq := int(rest/25000) % 1000
	y, m, d := dateOf(day)
	return CitizenID(county, fmt.Sprintf("%04d%02d%02d", y, m, d), seq)
}

// dateOf returns the date day days after 1940-01-01.
func dateOf(day int) (int, int, int) {
	y, m, d := 1940, 1, 1
	for day > 0 {
		ml := monthLen(y, m)
		if d+day <= ml {
			return y, m, d + day
		}
		day -= ml - d + 1
		d = 1
		if m++; m > 12 {
			m, y = 1, y+1
		}
	}
	return y, m, d
}

func monthLen(y, m int) int {
	switch m {
	case 2:
		if y%4 == 0 && (y%100 != 0 || y%400 == 0) {
			return 29
		}
		return 28
	case 4, 6, 9, 11:
		return 30
	}
	return 31
}

// Name returns a random Chinese name.
func (g *Gen) Name() string {
	n := string(g.sur[g.rng.IntN(len(g.sur))]) + string(g.giv[g.rng.IntN(len(g.giv))])
	if g.rng.IntN(2) == 0 {
		n += string(g.giv[g.rng.IntN(len(g.giv))])
	}
	return n
}

// Person returns the cells of the i-th person of the permutation, in
// PeopleHeader order.
func (g *Gen) Person(i int) []string {
	id := g.ID(g.index(uint64(i)))
	sex := "2"
	if (id[16]-'0')%2 == 1 {
		sex = "1"
	}
	county, _ := divisions.Lookup(id[:6])
	return []string{
		id, g.Name(), sex, id[6:10] + "-" + id[10:12] + "-" + id[12:14], "01",
		divisions.FullName(county.Code) + fmt.Sprintf("建设路%d号", 1+g.rng.IntN(300)),
		fmt.Sprintf("1%d%09d", 3+g.rng.IntN(7), g.rng.IntN(1e9)),
		fmt.Sprintf("%04d-%02d-%02d", 2000+g.rng.IntN(25), 1+g.rng.IntN(12), 1+g.rng.IntN(28)),
		fmt.Sprint(1 + g.rng.IntN(7)), "",
	}
}

// WritePeople writes n people as a CSV file of Env.People's items: a
// header of item names, then one row per person in permuted key order.
func WritePeople(w io.Writer, n int, seed uint64) error {
	bw := bufio.NewWriterSize(w, 256<<10)
	bw.WriteString(strings.Join(PeopleHeader, ",") + "\n")
	g := NewGen(n, seed)
	for i := range n {
		bw.WriteString(strings.Join(g.Person(i), ","))
		bw.WriteByte('\n')
	}
	return bw.Flush()
}

// PeopleReader streams n people as CSV without holding the file.
func PeopleReader(n int, seed uint64) io.Reader {
	pr, pw := io.Pipe()
	go func() { pw.CloseWithError(WritePeople(pw, n, seed)) }()
	return pr
}
