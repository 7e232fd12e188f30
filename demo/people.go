package demo

import "math/rand/v2"

// Common surnames and given names, so the change history and the account
// lists show plausible people.
const (
	surnames = "王李张刘陈杨赵黄周吴徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万严武戴孔汤"
)

func givenNames() []string {
	return []string{
		"伟", "娜", "敏", "静", "丽", "强", "磊", "军", "洋", "勇", "艳", "杰", "娟", "涛", "明", "超", "霞", "平", "刚", "芳",
		"秀英", "秀兰", "桂英", "建国", "建华", "建军", "志强", "志刚", "海燕", "晓东", "晓燕", "文博", "子涵", "雨萱", "浩然",
		"欣怡", "国栋", "玉兰", "红梅", "永强", "学军", "卫东", "德明", "亚楠", "思远", "婷婷", "丽华", "春生", "继红", "国庆",
		"晓明", "文静", "振华", "小红", "宏伟", "佳琪", "雪梅", "金花", "志远", "鹏飞", "瑞", "慧", "斌", "鑫", "蕾", "琳",
	}
}

// namer hands out display names, never the same one twice.
type namer struct {
	rng   *rand.Rand
	given []string
	seen  map[string]bool
}

func newNamer(rng *rand.Rand) *namer {
	return &namer{rng: rng, given: givenNames(), seen: map[string]bool{}}
}

func (n *namer) next() string {
	sur := []rune(surnames)
	for {
		name := string(sur[n.rng.IntN(len(sur))]) + n.given[n.rng.IntN(len(n.given))]
		if !n.seen[name] {
			n.seen[name] = true
			return name
		}
	}
}
