// The origin both Workers sit in front of: a ~6 KB HTML page for every path, like a small site's page.
const filler = "<p>" + "Lorem ipsum dolor sit amet, consectetur adipiscing elit. ".repeat(100) + "</p>";
const page = (title) =>
  `<!doctype html><html><head><meta charset="utf-8"><title>${title}</title></head><body><h1 id="headline">${title}</h1><p class="promo">Promo</p>${filler}</body></html>`;
const pages = new Map([
  ["/pricing", page("Pricing")],
  ["/pricing-b", page("Pricing B")],
  ["/thanks", page("Thanks")],
  ["/", page("Home")],
]);
export default {
  fetch(request) {
    const body = pages.get(new URL(request.url).pathname) ?? page("Other");
    return new Response(body, { headers: { "content-type": "text/html; charset=utf-8", "cache-control": "public, max-age=60" } });
  },
};
