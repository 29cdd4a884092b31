package wire

import (
	"crypto/ed25519"
	"math/big"
)

// Public keys arrive from browsers and kiosks, and a signature is only as
// good as its key. crypto/ed25519 verifies against any 32 bytes, and two
// kinds of key let a signature verify without a private key:
//   - a point of small order (the all-zero key is one): with it, s = 0 and
//     R = the identity verify for every message;
//   - a non-canonical encoding (y ≥ p, or x = 0 with the sign bit set),
//     which names the same point as another encoding and so defeats any
//     check made on the bytes.
//
// checkPublicKey refuses both, and bytes that are no point at all. It works
// in affine coordinates with math/big: it runs once per enrolment or
// session start, never per message.
func checkPublicKey(key []byte) error {
	if len(key) != ed25519.PublicKeySize {
		return errorf(CodeInvalid, "public_key must be a base64 raw Ed25519 key of %d bytes", ed25519.PublicKeySize)
	}
	x, y, ok := decodePoint(key)
	if !ok {
		return errorf(CodeInvalid, "public_key is not a canonical Ed25519 point")
	}
	for range 3 { // 8·P
		x, y = edAdd(x, y, x, y)
	}
	if x.Sign() == 0 && y.Cmp(one) == 0 {
		return errorf(CodeInvalid, "public_key is a point of small order")
	}
	return nil
}

var (
	fieldP = new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 255), big.NewInt(19))
	one    = big.NewInt(1)
	// edD is the curve constant d = -121665/121666 mod p.
	edD = func() *big.Int {
		d := new(big.Int).ModInverse(big.NewInt(121666), fieldP)
		d.Mul(d, big.NewInt(-121665))
		return d.Mod(d, fieldP)
	}()
)

// decodePoint decodes RFC 8032's encoding strictly: y < p, x recovered
// from the curve equation -x² + y² = 1 + d·x²·y², and the sign bit set
// only when x ≠ 0.
func decodePoint(b []byte) (x, y *big.Int, ok bool) {
	le := make([]byte, 32)
	for i := range 32 {
		le[31-i] = b[i] // big.Int wants big-endian
	}
	sign := le[0] >> 7
	le[0] &= 0x7f
	y = new(big.Int).SetBytes(le)
	if y.Cmp(fieldP) >= 0 {
		return nil, nil, false
	}
	y2 := new(big.Int).Mul(y, y)
	u := new(big.Int).Sub(y2, one) // x² = (y² - 1) / (d·y² + 1)
	v := new(big.Int).Mul(edD, y2)
	v.Add(v, one)
	v.ModInverse(v.Mod(v, fieldP), fieldP)
	x2 := u.Mul(u, v)
	x2.Mod(x2, fieldP)
	x = new(big.Int).ModSqrt(x2, fieldP)
	if x == nil {
		return nil, nil, false
	}
	if x.Sign() == 0 && sign == 1 {
		return nil, nil, false
	}
	if uint8(x.Bit(0)) != sign {
		x.Sub(fieldP, x)
	}
	return x, y, true
}

// edAdd adds two points of -x² + y² = 1 + d·x²·y² (complete for a = -1
// and non-square d, so it doubles too).
func edAdd(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	t := new(big.Int).Mul(x1, x2)
	t.Mul(t, y1).Mul(t, y2).Mul(t, edD).Mod(t, fieldP) // d·x1·x2·y1·y2
	xn := new(big.Int).Mul(x1, y2)
	xn.Add(xn, new(big.Int).Mul(y1, x2))
	yn := new(big.Int).Mul(y1, y2)
	yn.Add(yn, new(big.Int).Mul(x1, x2))
	xd := new(big.Int).Add(one, t)
	yd := new(big.Int).Sub(one, t)
	xd.ModInverse(xd.Mod(xd, fieldP), fieldP)
	yd.ModInverse(yd.Mod(yd, fieldP), fieldP)
	xn.Mul(xn, xd).Mod(xn, fieldP)
	yn.Mul(yn, yd).Mod(yn, fieldP)
	return xn, yn
}
