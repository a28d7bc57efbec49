// The proof of work's search (see proof.js): the number n in [0, maxnumber] with SHA-256(salt + n) equal to
// the challenge. Answers {number}, or {number: null} when there is none or the browser cannot hash.

function bytes(hex) {
  return Uint8Array.from(hex.match(/../g) || [], (pair) => Number.parseInt(pair, 16));
}

function same(buffer, expected) {
  const digest = new Uint8Array(buffer);
  if (digest.length !== expected.length) return false;
  for (let i = 0; i < digest.length; i += 1) if (digest[i] !== expected[i]) return false;
  return true;
}

self.addEventListener("message", async ({ data }) => {
  const expected = bytes(data.challenge);
  const encoder = new TextEncoder();
  try {
    for (let number = 0; number <= data.maxnumber; number += 1) {
      const digest = await crypto.subtle.digest("SHA-256", encoder.encode(data.salt + number));
      if (same(digest, expected)) {
        self.postMessage({ number });
        return;
      }
    }
  } catch {
    // No Web Crypto here (a page not served over HTTPS): the form goes without a proof.
  }
  self.postMessage({ number: null });
});
