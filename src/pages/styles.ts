// The verification page's stylesheet: mobile first (readable from 360 px wide), system fonts
// with CJK fallbacks, no web fonts, no images. Served as a content-hashed file (assets.ts),
// since the page's Content-Security-Policy allows no inline styles.

export const PAGE_CSS = `*{box-sizing:border-box}
html{-webkit-text-size-adjust:100%;text-size-adjust:100%}
body{margin:0;font:16px/1.6 system-ui,-apple-system,"PingFang SC","Hiragino Sans GB","Noto Sans CJK SC","Microsoft YaHei",sans-serif;color:#1b1f23;background:#f3f4f6;overflow-wrap:anywhere}
a{color:#0b57d0}
main{max-width:44rem;margin:0 auto;padding:0 12px 32px}
header.top{display:flex;justify-content:space-between;align-items:center;gap:8px;max-width:44rem;margin:0 auto;padding:10px 12px}
header.top .site{font-weight:700;font-size:15px;color:#374151}
nav.lang a{display:inline-block;padding:4px 10px;border:1px solid #9ca3af;border-radius:999px;text-decoration:none;font-size:14px;color:#1f2937;background:#fff}
.recall{background:#b3261e;color:#fff;padding:14px 16px;border-bottom:4px solid #7a1a14}
.recall .inner{max-width:44rem;margin:0 auto}
.recall h2{margin:0 0 6px;font-size:20px;line-height:1.3}
.recall p{margin:4px 0}
.recall .cls{font-weight:700}
.recall a{color:#fff}
.recall.closed{background:#5f6368;border-bottom-color:#3c4043}
.serial.suspect{border:3px solid #b3261e;background:#fce8e6}
.serial .warn{color:#a50e0e}
section.card{background:#fff;border-radius:12px;padding:14px 16px;margin:12px 0;box-shadow:0 1px 2px rgba(0,0,0,.08)}
section.card>h2{font-size:18px;margin:0 0 10px;line-height:1.3}
h1.product{font-size:22px;line-height:1.3;margin:0 0 4px}
.category{color:#4b5563;margin:0 0 10px}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:0}
dl.facts dt{color:#6b7280}
dl.facts dd{margin:0}
.mono{font-family:ui-monospace,"SFMono-Regular",Menlo,Consolas,monospace;font-size:.92em}
.verify-badge{margin:12px 0 0;padding:8px 10px;border-radius:8px;font-size:14px;background:#eef2ff;color:#1e3a8a}
.verify-badge.verified,.status.verified{background:#e6f4ea;color:#0d652d}
.verify-badge.failed,.status.failed{background:#fce8e6;color:#a50e0e;font-weight:600}
.status{padding:8px 10px;border-radius:8px;background:#eef2ff;color:#1e3a8a;font-size:14px}
.tag{display:inline-block;white-space:nowrap;font-size:12px;line-height:1.4;padding:1px 8px;border-radius:999px;background:#e5e7eb;color:#111827;vertical-align:middle;margin-right:4px}
.tag.pass,.tag.valid,.tag.third{background:#e6f4ea;color:#0d652d}
.tag.fail,.tag.revoked,.tag.expired,.tag.rejected{background:#fce8e6;color:#a50e0e}
.tag.info,.tag.self,.tag.not_yet_valid,.tag.pending{background:#fef7e0;color:#7a4f01}
article.item{border-top:1px solid #e5e7eb;padding:10px 0}
article.item:first-of-type{border-top:0;padding-top:0}
article.item h3{font-size:16px;margin:0 0 4px}
article.item.revoked h3{text-decoration:line-through}
/* A revoked report's or certificate's own green tags (pass, third-party, valid) no longer vouch for anything. */
article.item.revoked .tag.pass,article.item.revoked .tag.third,article.item.revoked .tag.valid{background:#e5e7eb;color:#4b5563;text-decoration:line-through}
.muted{color:#6b7280;font-size:14px}
.revocation{color:#a50e0e;font-size:14px;margin:4px 0}
.table-wrap{overflow-x:auto;margin:8px 0}
table{border-collapse:collapse;width:100%;font-size:14px}
th,td{text-align:left;padding:4px 6px;border-bottom:1px solid #e5e7eb;vertical-align:top}
th{color:#6b7280;font-weight:600}
td.fail{color:#a50e0e;font-weight:600}
ol.timeline{list-style:none;margin:0;padding:0 0 0 18px;border-left:3px solid #d1d5db}
ol.timeline li{position:relative;margin:0 0 14px;padding-left:8px}
ol.timeline li::before{content:"";position:absolute;left:-27px;top:6px;width:13px;height:13px;border-radius:50%;background:#0b57d0;border:2px solid #fff}
ol.timeline li.rejected::before{background:#a50e0e}
ol.timeline li.open::before{background:#f9ab00}
ol.timeline .when{font-size:13px;color:#6b7280}
ul.links{margin:0;padding-left:20px}
ul.entries{list-style:none;margin:8px 0;padding:0;font-size:13px}
ul.entries li{padding:3px 0;border-bottom:1px dashed #e5e7eb;display:flex;flex-wrap:wrap;gap:0 8px}
ul.entries li.ok .mark{color:#0d652d}
ul.entries li.bad .mark{color:#a50e0e;font-weight:700}
code.key{display:block;font-size:12px;word-break:break-all;background:#f3f4f6;padding:6px;border-radius:6px}
footer{max-width:44rem;margin:0 auto;padding:0 12px 24px;color:#6b7280;font-size:13px}
.error h1{font-size:22px}
@media (scripting:none){[data-verify-status]{display:none}}
@media (min-width:40rem){h1.product{font-size:26px}}
@media print{body{background:#fff}section.card{box-shadow:none;border:1px solid #ddd}nav.lang{display:none}}
`;
