//! Short Weierstrass curves of GOST 34.10 over a prime field (y² = x³ + ax + b mod p) and the
//! point arithmetic GOST signatures need, in Jacobian coordinates over `num-bigint`.
//!
//! Not constant-time: fine for verifying public data; signing with it is for tests and the test
//! NCALayer only (a timing side channel could leak a key that matters).

use std::sync::LazyLock;

use num_bigint::BigUint;

/// A named parameter set: field prime `p`, coefficients `a`, `b`, base point `(x, y)` of prime
/// order `q`.
#[derive(Debug)]
pub struct Curve {
    pub name: &'static str,
    pub p: BigUint,
    pub a: BigUint,
    pub b: BigUint,
    pub q: BigUint,
    pub gx: BigUint,
    pub gy: BigUint,
    /// Bytes of a coordinate or a scalar (32 or 64).
    pub size: usize,
}

/// A point in Jacobian coordinates (x = X/Z², y = Y/Z³); `z == 0` is the point at infinity.
#[derive(Clone, Debug)]
pub struct Point {
    x: BigUint,
    y: BigUint,
    z: BigUint,
}

fn hex(s: &str) -> BigUint {
    BigUint::parse_bytes(s.as_bytes(), 16).expect("a hexadecimal curve constant")
}

/// `id-GostR3410-2001-CryptoPro-A-ParamSet` (RFC 4357 §11.4), NCA's `1.2.398.3.10.1.1.1.1.1`.
pub static CRYPTOPRO_A: LazyLock<Curve> = LazyLock::new(|| Curve {
    name: "GostR3410-2001-CryptoPro-A",
    p: hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97"),
    a: hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD94"),
    b: BigUint::from(166u32),
    q: hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF6C611070995AD10045841B09B761B893"),
    gx: BigUint::from(1u32),
    gy: hex("8D91E471E0989CDA27DF505A453F2B7635294F2DDF23E3B122ACC99C9E9F1E14"),
    size: 32,
});

/// `id-tc26-gost-3410-12-256-paramSetA` (RFC 7836, Weierstrass form; cofactor 4),
/// NCA's `1.2.398.3.10.1.1.2.1.1`.
pub static TC26_256_A: LazyLock<Curve> = LazyLock::new(|| Curve {
    name: "id-tc26-gost-3410-12-256-paramSetA",
    p: hex("FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFD97"),
    a: hex("C2173F1513981673AF4892C23035A27CE25E2013BF95AA33B22C656F277E7335"),
    b: hex("295F9BAE7428ED9CCC20E7C359A9D41A22FCCD9108E17BF7BA9337A6F8AE9513"),
    q: hex("400000000000000000000000000000000FD8CDDFC87B6635C115AF556C360C67"),
    gx: hex("91E38443A5E82C0D880923425712B2BB658B9196932E02C78B2582FE742DAA28"),
    gy: hex("32879423AB1A0375895786C4BB46E9565FDE0B5344766740AF268ADB32322E5C"),
    size: 32,
});

/// `id-tc26-gost-3410-12-512-paramSetA` (RFC 7836), NCA's `1.2.398.3.10.1.1.2.2.1`.
pub static TC26_512_A: LazyLock<Curve> = LazyLock::new(|| Curve {
    name: "id-tc26-gost-3410-12-512-paramSetA",
    p: hex(concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC7"
    )),
    a: hex(concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFDC4"
    )),
    b: hex(concat!(
        "E8C2505DEDFC86DDC1BD0B2B6667F1DA34B82574761CB0E879BD081CFD0B6265",
        "EE3CB090F30D27614CB4574010DA90DD862EF9D4EBEE4761503190785A71C760"
    )),
    q: hex(concat!(
        "FFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFF",
        "27E69532F48D89116FF22B8D4E0560609B4B38ABFAD2B85DCACDB1411F10B275"
    )),
    gx: BigUint::from(3u32),
    gy: hex(concat!(
        "7503CFE87A836AE3A61B8816E25450E6CE5E1C93ACF1ABC1778064FDCBEFA921",
        "DF1626BE4FD036E93D75E6A50E3A41E98028FE5FC235F5B889A589CB5215F2A4"
    )),
    size: 64,
});

impl Curve {
    fn add_mod(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a + b) % &self.p
    }

    fn sub_mod(&self, a: &BigUint, b: &BigUint) -> BigUint {
        ((a + &self.p) - b) % &self.p
    }

    fn mul_mod(&self, a: &BigUint, b: &BigUint) -> BigUint {
        (a * b) % &self.p
    }

    /// The base point.
    pub fn generator(&self) -> Point {
        Point::affine(self.gx.clone(), self.gy.clone())
    }

    /// Whether the affine point (x, y) lies on the curve (coordinates below p).
    pub fn contains(&self, x: &BigUint, y: &BigUint) -> bool {
        if x >= &self.p || y >= &self.p {
            return false;
        }
        let lhs = self.mul_mod(y, y);
        let x3 = self.mul_mod(&self.mul_mod(x, x), x);
        let rhs = self.add_mod(&self.add_mod(&x3, &self.mul_mod(&self.a, x)), &self.b);
        lhs == rhs
    }

    /// 2P.
    pub fn double(&self, pt: &Point) -> Point {
        if pt.is_infinity() || pt.y == BigUint::ZERO {
            return Point::infinity();
        }
        let xx = self.mul_mod(&pt.x, &pt.x);
        let yy = self.mul_mod(&pt.y, &pt.y);
        let yyyy = self.mul_mod(&yy, &yy);
        let zz = self.mul_mod(&pt.z, &pt.z);
        let s = self.mul_mod(&BigUint::from(4u32), &self.mul_mod(&pt.x, &yy));
        let m = self.add_mod(
            &self.mul_mod(&BigUint::from(3u32), &xx),
            &self.mul_mod(&self.a, &self.mul_mod(&zz, &zz)),
        );
        let x3 = self.sub_mod(&self.mul_mod(&m, &m), &self.add_mod(&s, &s));
        let y3 = self
            .sub_mod(&self.mul_mod(&m, &self.sub_mod(&s, &x3)), &self.mul_mod(&BigUint::from(8u32), &yyyy));
        let z3 = self.mul_mod(&BigUint::from(2u32), &self.mul_mod(&pt.y, &pt.z));
        Point { x: x3, y: y3, z: z3 }
    }

    /// P + Q.
    pub fn add(&self, p1: &Point, p2: &Point) -> Point {
        if p1.is_infinity() {
            return p2.clone();
        }
        if p2.is_infinity() {
            return p1.clone();
        }
        let z1z1 = self.mul_mod(&p1.z, &p1.z);
        let z2z2 = self.mul_mod(&p2.z, &p2.z);
        let u1 = self.mul_mod(&p1.x, &z2z2);
        let u2 = self.mul_mod(&p2.x, &z1z1);
        let s1 = self.mul_mod(&p1.y, &self.mul_mod(&p2.z, &z2z2));
        let s2 = self.mul_mod(&p2.y, &self.mul_mod(&p1.z, &z1z1));
        let h = self.sub_mod(&u2, &u1);
        let r = self.sub_mod(&s2, &s1);
        if h == BigUint::ZERO {
            return if r == BigUint::ZERO { self.double(p1) } else { Point::infinity() };
        }
        let hh = self.mul_mod(&h, &h);
        let hhh = self.mul_mod(&hh, &h);
        let u1hh = self.mul_mod(&u1, &hh);
        let x3 = self.sub_mod(&self.sub_mod(&self.mul_mod(&r, &r), &hhh), &self.add_mod(&u1hh, &u1hh));
        let y3 = self.sub_mod(&self.mul_mod(&r, &self.sub_mod(&u1hh, &x3)), &self.mul_mod(&s1, &hhh));
        let z3 = self.mul_mod(&h, &self.mul_mod(&p1.z, &p2.z));
        Point { x: x3, y: y3, z: z3 }
    }

    /// kP by double-and-add (not constant-time).
    pub fn mul(&self, k: &BigUint, pt: &Point) -> Point {
        let mut acc = Point::infinity();
        for i in (0..k.bits()).rev() {
            acc = self.double(&acc);
            if k.bit(i) {
                acc = self.add(&acc, pt);
            }
        }
        acc
    }

    /// The affine coordinates of `pt`, or `None` for the point at infinity.
    pub fn to_affine(&self, pt: &Point) -> Option<(BigUint, BigUint)> {
        if pt.is_infinity() {
            return None;
        }
        let zinv = pt.z.modinv(&self.p)?;
        let zinv2 = self.mul_mod(&zinv, &zinv);
        let zinv3 = self.mul_mod(&zinv2, &zinv);
        Some((self.mul_mod(&pt.x, &zinv2), self.mul_mod(&pt.y, &zinv3)))
    }
}

impl Point {
    pub fn affine(x: BigUint, y: BigUint) -> Point {
        Point { x, y, z: BigUint::from(1u32) }
    }

    pub fn infinity() -> Point {
        Point { x: BigUint::from(1u32), y: BigUint::from(1u32), z: BigUint::ZERO }
    }

    pub fn is_infinity(&self) -> bool {
        self.z == BigUint::ZERO
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each parameter set is what it claims: G on the curve, qG = O, and the group law agrees
    /// with itself (2G + G = 3G computed two ways).
    #[test]
    fn parameter_sets_are_consistent() {
        for curve in [&*CRYPTOPRO_A, &*TC26_256_A, &*TC26_512_A] {
            assert!(curve.contains(&curve.gx, &curve.gy), "{}: G on the curve", curve.name);
            let g = curve.generator();
            assert!(curve.mul(&curve.q, &g).is_infinity(), "{}: qG = O", curve.name);
            let three_g = curve.to_affine(&curve.mul(&BigUint::from(3u32), &g)).unwrap();
            let sum = curve.to_affine(&curve.add(&curve.double(&g), &g)).unwrap();
            assert_eq!(three_g, sum, "{}", curve.name);
            assert!(curve.contains(&three_g.0, &three_g.1), "{}: 3G on the curve", curve.name);
            let q_minus_1 = &curve.q - 1u32;
            let minus_g = curve.to_affine(&curve.mul(&q_minus_1, &g)).unwrap();
            assert_eq!(minus_g.0, curve.gx, "{}: (q-1)G = -G", curve.name);
            assert_eq!(minus_g.1, &curve.p - &curve.gy, "{}: (q-1)G = -G", curve.name);
        }
    }
}
