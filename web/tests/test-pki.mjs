// A TEST certification authority for the browser tests, made with openssl in a temporary directory
// (test-only: nothing here is NCA's, nothing is secret). Certificates are valid from now, in the
// profile of NCA's certificates for persons (see ../shared/data/eds/README.md):
// subject `CN=<surname name>, SN=<surname>, serialNumber=IIN<12 digits>, C=KZ, GN=<patronymic>`;
// AUTH: keyUsage digitalSignature, keyEncipherment, EKU clientAuth + 1.2.398.3.3.4.1.1, policy
// 1.2.398.3.3.2.4; SIGN: digitalSignature, nonRepudiation, EKU emailProtection + 1.2.398.3.3.4.1.1,
// policy 1.2.398.3.3.2.3. Revocations go through `openssl ca -revoke` and the CRL is made by
// `openssl ca -gencrl` (DER, `<dir>/crl/test-ca.crl`).
//
// `const pki = await makeTestPki()`: `pki.caCert` (PEM path), `pki.crlDir`, `await pki.person({ iin,
// surname, name, patronymic, usage: 'auth' | 'sign', org?, bin? })` (with a BIN: an organisation's
// head, O and OU=BIN<bin> in the subject) → `{ key, cert, iin }`, `await
// pki.revoke(person)`, `await pki.crl()` (writes the CRL again), `pki.remove()`.
// As a program, `node tests/test-pki.mjs --out DIR` makes the set the sign-in test uses (the CA, its
// CRL, a person's AUTH and SIGN keys, a revoked person's AUTH key, the SIGN key of the head of the
// organisation with BIN `bin`) and writes `DIR/pki.json`: `{ ca, crl_dir, valid, revoked, sign,
// head_sign, bin }` (persons as `{ key, cert, iin, fullName }`).
import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

const PROFILES = {
  auth: ['critical,digitalSignature,keyEncipherment', 'clientAuth,1.2.398.3.3.4.1.1', '1.2.398.3.3.2.4'],
  sign: ['critical,digitalSignature,nonRepudiation', 'emailProtection,1.2.398.3.3.4.1.1', '1.2.398.3.3.2.3'],
};
/** An organisation's employee (here its head: role 1.2.398.3.3.4.1.2.1 on SIGN). */
const ORG_PROFILES = {
  auth: ['critical,digitalSignature,keyEncipherment', 'clientAuth,1.2.398.3.3.4.1.2', '1.2.398.3.3.2.2'],
  sign: ['critical,digitalSignature,nonRepudiation', 'emailProtection,1.2.398.3.3.4.1.2,1.2.398.3.3.4.1.2.1', '1.2.398.3.3.2.1'],
};

/** A valid IIN (check digit as src/applications/service/ids.rs computes it) with birth date
 *  `yymmdd`, century digit `c` and serial `nnnn`. Null when that number is never issued. */
export function makeIin(yymmdd, c, nnnn) {
  const first = `${yymmdd}${c}${nnnn}`;
  const d = [...first].map(Number);
  const sum = (w) => d.reduce((s, x, i) => s + x * w[i], 0) % 11;
  let k = sum([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  if (k === 10) k = sum([3, 4, 5, 6, 7, 8, 9, 10, 11, 1, 2]);
  return k === 10 ? null : `${first}${k}`;
}

/** An IIN for test person number `n` (born 1 January 1990, serial from `n`). */
export function testIin(n) {
  for (let s = n * 10; ; s++) {
    const iin = makeIin('900101', 3, String(s % 10000).padStart(4, '0'));
    if (iin) return iin;
  }
}

export async function makeTestPki(into) {
  const dir = into ?? mkdtempSync(join(tmpdir(), 'qala-test-pki-'));
  mkdirSync(dir, { recursive: true });
  const crlDir = join(dir, 'crl');
  mkdirSync(crlDir);
  const caKey = join(dir, 'ca.key'), caCert = join(dir, 'ca.crt');
  writeFileSync(join(dir, 'index.txt'), '');
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  const conf = join(dir, 'ca.cnf');
  writeFileSync(conf, `[ca]
default_ca = test_ca
[test_ca]
dir = ${dir}
database = ${dir}/index.txt
crlnumber = ${dir}/crlnumber
certificate = ${caCert}
private_key = ${caKey}
default_md = sha256
default_crl_days = 7
crl_extensions = crl_ext
[crl_ext]
authorityKeyIdentifier = keyid:always
[req]
distinguished_name = dn
string_mask = utf8only
utf8 = yes
[dn]
`);
  await run('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '30', '-config', conf, '-utf8',
    '-subj', '/C=KZ/O=QALA TEST/CN=QALA TEST CA (RSA, not NCA)', '-keyout', caKey, '-out', caCert,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign',
    '-addext', 'subjectKeyIdentifier=hash']);
  let serial = 0x1000;

  async function crl() {
    const pem = join(dir, 'crl.pem');
    await run('openssl', ['ca', '-config', conf, '-gencrl', '-out', pem]);
    await run('openssl', ['crl', '-in', pem, '-outform', 'DER', '-out', join(crlDir, 'test-ca.crl')]);
  }

  async function person({ iin, surname = 'ТЕСТОВ', name = 'ТЕСТ', patronymic = 'ТЕСТОВИЧ', usage = 'auth', org, bin }) {
    const n = ++serial;
    const base = join(dir, `${usage}-${iin}-${n}`);
    const [ku, eku, policy] = (bin ? ORG_PROFILES : PROFILES)[usage];
    const ext = `${base}.ext`;
    writeFileSync(ext, `basicConstraints = critical,CA:FALSE
keyUsage = ${ku}
extendedKeyUsage = ${eku}
certificatePolicies = ${policy}
subjectKeyIdentifier = hash
authorityKeyIdentifier = keyid
`);
    await run('openssl', ['req', '-new', '-newkey', 'rsa:2048', '-nodes', '-config', conf, '-utf8',
      '-subj', `/CN=${surname} ${name}/SN=${surname}/serialNumber=IIN${iin}/C=KZ${bin ? `/O=${org}/OU=BIN${bin}` : ''}/GN=${patronymic}`,
      '-keyout', `${base}.key`, '-out', `${base}.csr`]);
    await run('openssl', ['x509', '-req', '-in', `${base}.csr`, '-CA', caCert, '-CAkey', caKey, '-set_serial', `0x${n.toString(16)}`,
      '-days', '30', '-sha256', '-extfile', ext, '-out', `${base}.crt`]);
    return { key: `${base}.key`, cert: `${base}.crt`, iin, fullName: `${surname} ${name}` };
  }

  async function revoke(p) {
    await run('openssl', ['ca', '-config', conf, '-revoke', p.cert, '-crl_reason', 'keyCompromise']);
    await crl();
  }

  await crl();
  return { dir, caCert, crlDir, person, revoke, crl, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const i = process.argv.indexOf('--out');
  if (i < 0 || !process.argv[i + 1]) { console.error('usage: node tests/test-pki.mjs --out DIR'); process.exit(2); }
  const pki = await makeTestPki(process.argv[i + 1]);
  const valid = await pki.person({ iin: testIin(1), surname: 'ТЕСТОВ', name: 'ЕРЛАН', patronymic: 'САҒАТҰЛЫ' });
  const sign = await pki.person({ iin: valid.iin, surname: 'ТЕСТОВ', name: 'ЕРЛАН', patronymic: 'САҒАТҰЛЫ', usage: 'sign' });
  const revoked = await pki.person({ iin: testIin(2), surname: 'ҚАЙТАРЫЛҒАН', name: 'АЙГҮЛ', patronymic: 'БОЛАТҚЫЗЫ' });
  await pki.revoke(revoked);
  const bin = '050140000656';
  const head_sign = await pki.person({ iin: testIin(7), surname: 'БАСШЫ', name: 'БОЛАТ', patronymic: 'ТЕСТҰЛЫ', usage: 'sign', org: 'АКИМАТ ГОРОДА АЛМАТЫ', bin });
  const out = { ca: pki.caCert, crl_dir: pki.crlDir, valid, sign, revoked, head_sign, bin };
  writeFileSync(join(pki.dir, 'pki.json'), JSON.stringify(out, null, 1));
  console.log(JSON.stringify(out));
}
