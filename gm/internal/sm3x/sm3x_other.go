//go:build !amd64 || purego

package sm3x

const lanes = false

func sumLanes(msgs [][]byte, out [][Size]byte) { sumEach(msgs, out) }
