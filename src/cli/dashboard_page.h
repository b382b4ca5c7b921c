/*
 * dashboard_page.h -- the style sheet and the script of `hpo dashboard`'s pages,
 * as C string constants (our own code: no third-party script, no network).
 *
 * The script polls the JSON endpoint named by <body data-api> every
 * data-refresh seconds. <body data-key> holds the JSON that endpoint gave
 * when the page was drawn; when a poll answers something else, the counts
 * with ids n-complete, n-pruned, n-failed and n-running are set at once and
 * the page itself is fetched again and its #live element swapped in (new
 * plot URLs carry ?v=N, so the plots are drawn again), without a reload.
 */
#ifndef HPO_CLI_DASHBOARD_PAGE_H
#define HPO_CLI_DASHBOARD_PAGE_H

static const char dashboard_css[] =
    "body{font:14px/1.45 system-ui,-apple-system,'Segoe UI',sans-serif;margin:0;"
    "color:#1d2530;background:#f6f7f9}"
    "header{background:#24303f;color:#fff;padding:10px 24px;display:flex;gap:16px;"
    "align-items:baseline}"
    "header a{color:#fff;font-weight:600;text-decoration:none}"
    "header .storage{color:#b8c4d2;font-family:monospace}"
    "#status{margin-left:auto;font-size:12px;color:#b8c4d2}"
    "#status.lost{color:#ffb4a8}"
    "main{padding:16px 24px;max-width:1400px}"
    "h1{font-size:22px;margin:4px 0}"
    ".meta{color:#56657a;margin:2px 0 10px}"
    ".counts span.n{font-weight:600}"
    "table{border-collapse:collapse;background:#fff;margin:8px 0 16px}"
    "th,td{padding:4px 10px;border-bottom:1px solid #e1e5ea;text-align:left;"
    "vertical-align:top}"
    "th{background:#eef1f5;font-weight:600}"
    "td.num{text-align:right;font-variant-numeric:tabular-nums}"
    "td.params{font-family:monospace;font-size:12px}"
    ".complete{color:#1b7f3b}.pruned{color:#8a6d00}.failed{color:#b3261e}"
    ".running{color:#1f5fb3}"
    "#plots{display:flex;flex-wrap:wrap;gap:12px}"
    "figure{margin:0;background:#fff;border:1px solid #e1e5ea;padding:6px}"
    "figure img{display:block;max-width:900px;width:100%;height:auto}"
    "figcaption{font-size:12px;color:#56657a}"
    ".empty{color:#56657a;font-style:italic}";

static const char dashboard_js[] =
    "(function(){\n"
    "'use strict';\n"
    "var b=document.body,api=b.getAttribute('data-api');\n"
    "var every=Math.max(1,+b.getAttribute('data-refresh')||2)*1000;\n"
    "var st=document.getElementById('status'),busy=false,v=0;\n"
    "function norm(s){try{return JSON.stringify(JSON.parse(s));}catch(e){return s;}}\n"
    "var key=norm(b.getAttribute('data-key')||'null');\n"
    "function say(text,lost){if(st){st.textContent=text;st.className=lost?'lost':'';}}\n"
    "function setCounts(d){if(!d||Array.isArray(d)||!d.counts)return;\n"
    " ['complete','pruned','failed','running'].forEach(function(k){\n"
    "  var e=document.getElementById('n-'+k);if(e)e.textContent=String(d.counts[k]);});}\n"
    "function redraw(){v+=1;\n"
    " return fetch(location.pathname+'?v='+v,{cache:'no-store'}).then(function(r){\n"
    "  if(!r.ok)throw new Error('HTTP '+r.status);return r.text();}).then(function(html){\n"
    "  var doc=new DOMParser().parseFromString(html,'text/html');\n"
    "  var fresh=doc.getElementById('live'),old=document.getElementById('live');\n"
    "  if(fresh&&old)old.replaceWith(document.importNode(fresh,true));});}\n"
    "function tick(){if(busy)return;busy=true;\n"
    " fetch(api,{cache:'no-store'}).then(function(r){\n"
    "  if(!r.ok)throw new Error('HTTP '+r.status);return r.text();}).then(function(t){\n"
    "  var k=norm(t);if(k===key)return null;key=k;setCounts(JSON.parse(t));return redraw();\n"
    " }).then(function(){say('live \\u00b7 checked '+new Date().toLocaleTimeString(),false);\n"
    " }).catch(function(e){say('not updating: '+e.message,true);\n"
    " }).then(function(){busy=false;});}\n"
    "setInterval(tick,every);\n"
    "})();\n";

#endif
