// ES2024 well-formed-string methods that core modules call (core/jcs.ts, core/note.ts) but that
// phone browsers older than Chrome 111 / Safari 16.4 lack. Without them the check would throw
// and report a failure the data does not deserve. Same results as the built-ins (ECMA-262 §22.1.3).
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?:^|[^\uD800-\uDBFF])([\uDC00-\uDFFF])/;

if (typeof String.prototype.isWellFormed !== 'function') {
  Object.defineProperty(String.prototype, 'isWellFormed', {
    configurable: true,
    writable: true,
    value(this: string): boolean {
      return !LONE_SURROGATE.test(String(this));
    },
  });
}

if (typeof String.prototype.toWellFormed !== 'function') {
  Object.defineProperty(String.prototype, 'toWellFormed', {
    configurable: true,
    writable: true,
    value(this: string): string {
      const s = String(this);
      let out = '';
      for (let i = 0; i < s.length; i++) {
        const c = s.charCodeAt(i);
        if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
          out += s[i]! + s[i + 1]!;
          i++;
        } else if (c >= 0xd800 && c <= 0xdfff) out += '\ufffd';
        else out += s[i]!;
      }
      return out;
    },
  });
}

export {};
