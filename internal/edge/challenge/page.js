"use strict";
(function () {
  var cfg = JSON.parse(document.getElementById("pg-cfg").textContent);
  var status = document.getElementById("pg-status");
  var K = new Int32Array([
    0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
    0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
    0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
    0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
    0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
    0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
    0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
    0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2]);
  var W = new Int32Array(64);

  // sha256First returns the first 32-bit word of SHA-256(ascii string s).
  function sha256First(s) {
    var n = s.length, blocks = (n + 9 + 63) >> 6, m = new Uint8Array(blocks * 64);
    for (var i = 0; i < n; i++) m[i] = s.charCodeAt(i);
    m[n] = 0x80;
    var bitsLen = n * 8, end = blocks * 64;
    m[end - 4] = bitsLen >>> 24; m[end - 3] = bitsLen >>> 16; m[end - 2] = bitsLen >>> 8; m[end - 1] = bitsLen;
    var h0 = 0x6a09e667, h1 = 0xbb67ae85 | 0, h2 = 0x3c6ef372, h3 = 0xa54ff53a | 0,
        h4 = 0x510e527f, h5 = 0x9b05688c | 0, h6 = 0x1f83d9ab, h7 = 0x5be0cd19;
    for (var off = 0; off < end; off += 64) {
      for (i = 0; i < 16; i++) {
        var j = off + i * 4;
        W[i] = (m[j] << 24) | (m[j + 1] << 16) | (m[j + 2] << 8) | m[j + 3];
      }
      for (i = 16; i < 64; i++) {
        var x = W[i - 15], y = W[i - 2];
        var s0 = ((x >>> 7) | (x << 25)) ^ ((x >>> 18) | (x << 14)) ^ (x >>> 3);
        var s1 = ((y >>> 17) | (y << 15)) ^ ((y >>> 19) | (y << 13)) ^ (y >>> 10);
        W[i] = (W[i - 16] + s0 + W[i - 7] + s1) | 0;
      }
      var a = h0, b = h1, c = h2, d = h3, e = h4, f = h5, g = h6, h = h7;
      for (i = 0; i < 64; i++) {
        var S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
        var t1 = (h + S1 + ((e & f) ^ (~e & g)) + K[i] + W[i]) | 0;
        var S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
        var t2 = (S0 + ((a & b) ^ (a & c) ^ (b & c))) | 0;
        h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + t2) | 0;
      }
      h0 = (h0 + a) | 0; h1 = (h1 + b) | 0; h2 = (h2 + c) | 0; h3 = (h3 + d) | 0;
      h4 = (h4 + e) | 0; h5 = (h5 + f) | 0; h6 = (h6 + g) | 0; h7 = (h7 + h) | 0;
    }
    return h0 >>> 0;
  }

  // work finds a counter whose hash starts with cfg.bits zero bits
  // (bits <= 32: only the first word matters), yielding to the page
  // between slices.
  function work() {
    var prefix = cfg.puzzle + ":", limit = Math.pow(2, 32 - cfg.bits), n = 0;
    return new Promise(function (resolve) {
      (function slice() {
        for (var stop = n + 20000; n < stop; n++) {
          if (sha256First(prefix + n) < limit) { resolve(String(n)); return; }
        }
        setTimeout(slice, 0);
      })();
    });
  }

  // human waits for the CAPTCHA's human step: a provider widget calling
  // pgAnswer, or the built-in puzzle's form.
  function human() {
    return new Promise(function (resolve) {
      window.pgAnswer = resolve;
      var form = document.getElementById("pg-form");
      form.addEventListener("submit", function (ev) {
        ev.preventDefault();
        var input = document.getElementById("pg-captcha");
        if (input) resolve(input.value);
      });
    });
  }

  var solving = work().then(function (counter) {
    status.textContent = cfg.kind === "captcha" ? "Please answer the question below." : "Verifying…";
    return counter;
  });
  var answer = cfg.kind === "captcha" ? human() : Promise.resolve("");
  Promise.all([solving, answer]).then(function (r) {
    status.textContent = "Verifying…";
    return fetch(cfg.verify, {
      method: "POST", credentials: "same-origin", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ puzzle: cfg.puzzle, counter: r[0], state: cfg.state, response: r[1] })
    });
  }).then(function (resp) {
    if (resp.ok) {
      status.textContent = "Done, continuing…";
      location.replace(cfg["return"]);
      return;
    }
    return resp.json().then(function (e) {
      status.textContent = "That did not work (" + e.error + "). Trying again…";
      setTimeout(function () { location.reload(); }, 1500);
    });
  }).catch(function (err) {
    status.textContent = "Could not verify: " + err;
  });
})();
