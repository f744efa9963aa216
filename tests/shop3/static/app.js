// Borówka storefront: renders every page in the browser from the shop's JSON API (no build step).
(function () {
  "use strict";

  var LANG = document.documentElement.lang;
  var T = {
    pl: {
      shop: "Borówka", cart: "Koszyk", products: "Sprzęt na szlak", add: "Dodaj do koszyka",
      added: "Dodano do koszyka", outOfStock: "Brak w magazynie", notify: "Powiadom o dostępności",
      yourCart: "Twój koszyk", empty: "Koszyk jest pusty.", total: "Razem", toCheckout: "Przejdź do kasy",
      checkout: "Dane do wysyłki", email: "E-mail", name: "Imię i nazwisko", street: "Ulica i numer",
      zip: "Kod pocztowy", city: "Miasto", shipping: "Sposób dostawy", courier: "Kurier DPD",
      locker: "Paczkomat InPost", terms: "Akceptuję regulamin sklepu", next: "Dalej do płatności",
      payment: "Płatność kartą", cardNumber: "Numer karty", expiry: "Data ważności (MM/RR)", cvc: "Kod CVC",
      pay: "Zapłać", thanks: "Dziękujemy za zamówienie!", orderNo: "Numer zamówienia:",
      orderPending: "Numer zamówienia prześlemy e-mailem.", loading: "Ładowanie…", back: "Wróć do sklepu"
    },
    de: {
      shop: "Borówka", cart: "Warenkorb", products: "Ausrüstung für den Weg", add: "In den Warenkorb",
      added: "Zum Warenkorb hinzugefügt", outOfStock: "Ausverkauft", notify: "Benachrichtigen, wenn verfügbar",
      yourCart: "Ihr Warenkorb", empty: "Der Warenkorb ist leer.", total: "Summe", toCheckout: "Zur Kasse",
      checkout: "Lieferadresse", email: "E-Mail", name: "Vor- und Nachname", street: "Straße und Hausnummer",
      zip: "Postleitzahl", city: "Ort", shipping: "Versandart", courier: "DHL Paket", locker: "DHL Packstation",
      terms: "Ich akzeptiere die AGB", next: "Weiter zur Zahlung",
      payment: "Zahlung mit Karte", cardNumber: "Kartennummer", expiry: "Gültig bis (MM/JJ)", cvc: "Prüfnummer (CVC)",
      pay: "Bezahlen", thanks: "Vielen Dank für Ihre Bestellung!", orderNo: "Bestellnummer:",
      orderPending: "Die Bestellnummer senden wir per E-Mail.", loading: "Wird geladen…", back: "Zurück zum Shop"
    }
  }[LANG];

  var root = document.getElementById("root");
  var toasts = document.getElementById("toasts");
  var path = location.pathname.replace(/^\/(pl|de)\//, "");

  // h("tag.class1.class2", {attr: value}, children...): a tiny element builder.
  function h(spec, attrs) {
    var parts = spec.split(".");
    var el = document.createElement(parts[0]);
    if (parts.length > 1) { el.className = parts.slice(1).join(" "); }
    Object.keys(attrs || {}).forEach(function (key) {
      var value = attrs[key];
      if (value === null || value === undefined || value === false) { return; }
      if (key.slice(0, 2) === "on") { el.addEventListener(key.slice(2), value); }
      else if (key === "text") { el.textContent = value; }
      else { el.setAttribute(key, value === true ? "" : value); }
    });
    for (var i = 2; i < arguments.length; i++) {
      var child = arguments[i];
      if (child === null || child === undefined) { continue; }
      el.appendChild(typeof child === "string" ? document.createTextNode(child) : child);
    }
    return el;
  }

  function api(method, url, body) {
    return fetch("/api/" + LANG + url, {
      method: method, credentials: "same-origin",
      headers: body ? { "Content-Type": "application/json" } : {},
      body: body ? JSON.stringify(body) : undefined
    }).then(function (response) {
      return response.json().then(function (data) { return { status: response.status, data: data }; });
    });
  }

  function toast(message, tone) {
    var item = h("div._ts_9f03", { role: "status", "data-tone": tone || "info" }, message);
    toasts.appendChild(item);
    setTimeout(function () { item.remove(); }, 6000);
  }

  function failed(result) {
    if (result.status >= 500) { toast(result.data.error || "Error", "error"); return true; }
    return false;
  }

  function layout(title, count) {
    document.title = title + " – " + T.shop;
    var header = h("header._hd_7c1e",
      {},
      h("div.flex.justify-between.items-center.mx-auto.max-w-4xl.px-6.py-3", {},
        h("a.font-bold.text-lg", { href: "/" + LANG + "/" }, T.shop),
        h("a", { href: "/" + LANG + "/cart", "data-cart-count": String(count || 0) }, T.cart + " (" + (count || 0) + ")")));
    var main = h("main.mx-auto.max-w-4xl.px-6", {}, h("h1.text-xl", { text: title }));
    root.replaceChildren(header, main);
    return main;
  }

  function field(id, label, attrs) {
    var input = h("input._in_5a10", Object.assign({ id: id, name: id }, attrs || {}));
    return h("div", { "data-field": id }, h("label._lb_903c", { for: id }, label), input);
  }

  function styledChoice(type, name, value, label, checked) {
    var id = name + "-" + value;
    return h("label._ch_a7e0", { for: id },
      h("input", { type: type, id: id, name: name, value: value, checked: checked }),
      h("span._ck_5d2c", { "aria-hidden": "true" }),
      h("span", {}, label));
  }

  function showErrors(form, result) {
    form.querySelectorAll("[aria-invalid]").forEach(function (el) { el.removeAttribute("aria-invalid"); });
    form.querySelectorAll("._er_31fd, .alert").forEach(function (el) { el.remove(); });
    var fields = result.data.fields || {};
    form.prepend(h("div.alert.alert-danger", { "data-summary": "" }, result.data.error));
    Object.keys(fields).forEach(function (name) {
      var input = form.querySelector('[name="' + name + '"]');
      if (!input) { return; }
      var messageId = name + "-error";
      input.setAttribute("aria-invalid", "true");
      input.setAttribute("aria-describedby", messageId);
      var holder = input.closest("[data-field]") || input.closest("fieldset") || input.parentNode;
      holder.appendChild(h("p._er_31fd", { id: messageId }, fields[name]));
    });
  }

  function value(form, name) { return form.elements.namedItem(name).value; }

  function busy(button, on) {
    button.disabled = on;
    if (on) { button.setAttribute("data-busy", ""); } else { button.removeAttribute("data-busy"); }
  }

  function home() {
    api("GET", "/cart").then(function (cart) {
      var main = layout(T.products, cart.data.count);
      api("GET", "/products").then(function (result) {
        if (failed(result)) { return; }
        var grid = h("ul.grid.cols-3.gap-4", { style: "list-style:none;padding:0" });
        result.data.products.forEach(function (p) {
          grid.appendChild(h("li._cd_2b9d", {},
            h("a", { href: "/" + LANG + "/p/" + p.slug }, p.name),
            h("p.text-muted", {}, p.text), h("p.font-bold", {}, p.price)));
        });
        main.appendChild(grid);
      });
    });
  }

  function product(slug) {
    Promise.all([api("GET", "/products/" + slug), api("GET", "/cart")]).then(function (results) {
      var result = results[0];
      if (failed(result)) { layout(T.shop, 0); return; }
      var p = result.data;
      var main = layout(p.name, results[1].data.count);
      var box = h("section._cd_2b9d.mt-4", {}, h("p", {}, p.text), h("p.font-bold.text-lg", { "data-price": "" }, p.price));
      if (!p.in_stock) {
        box.appendChild(h("p._oos_6b1a", { "data-availability": "out-of-stock" }, T.outOfStock));
      }
      if (p.in_stock || p.buy_button === "disabled") {
        var button = h("button._bt_e41a", { type: "button", disabled: !p.in_stock, onclick: function () {
          busy(button, true);
          api("POST", "/cart", { slug: p.slug }).then(function (added) {
            busy(button, false);
            if (failed(added)) { return; }
            sessionStorage.setItem("b3-toast", T.added);
            location.assign("/" + LANG + "/cart");
          });
        } }, T.add);
        box.appendChild(h("div.mt-4", {}, button));
      } else {
        box.appendChild(h("div.mt-4", {}, h("a", { href: "#notify" }, T.notify)));
      }
      main.appendChild(box);
    });
  }

  function cart() {
    api("GET", "/cart").then(function (result) {
      var main = layout(T.yourCart, result.data.count);
      if (failed(result)) { return; }
      if (!result.data.lines.length) { main.appendChild(h("p", {}, T.empty)); return; }
      var list = h("ul._cd_2b9d", { style: "list-style:none" });
      result.data.lines.forEach(function (line) {
        list.appendChild(h("li.flex.justify-between", {}, h("span", {}, line.quantity + " × " + line.name), h("span", {}, line.total)));
      });
      list.appendChild(h("li.flex.justify-between.font-bold.mt-4", {}, h("span", {}, T.total), h("span", { "data-total": "" }, result.data.total)));
      main.appendChild(list);
      main.appendChild(h("div.mt-4", {}, h("button._bt_e41a", { type: "button", onclick: function () {
        location.assign("/" + LANG + "/checkout");
      } }, T.toCheckout)));
    });
  }

  function checkout() {
    api("GET", "/cart").then(function (result) {
      var main = layout(T.checkout, result.data.count);
      if (failed(result)) { return; }
      var submit = h("button._bt_e41a", { type: "submit" }, T.next);
      var form = h("form", { novalidate: true },
        field("email", T.email, { type: "email", autocomplete: "email" }),
        field("name", T.name, { autocomplete: "name" }),
        field("street", T.street, { autocomplete: "street-address" }),
        field("zip", T.zip, { autocomplete: "postal-code" }),
        field("city", T.city, { autocomplete: "address-level2" }),
        h("fieldset._fs_1c0f", {}, h("legend", {}, T.shipping),
          styledChoice("radio", "shipping", "courier", T.courier),
          styledChoice("radio", "shipping", "locker", T.locker)),
        h("div._fs_1c0f", { "data-field": "terms" }, styledChoice("checkbox", "terms", "yes", T.terms)),
        h("div.mt-4", {}, submit));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        var data = {
          email: value(form, "email"), name: value(form, "name"), street: value(form, "street"),
          zip: value(form, "zip"), city: value(form, "city"), terms: form.elements.namedItem("terms").checked,
          shipping: (form.querySelector('input[name="shipping"]:checked') || {}).value || null
        };
        busy(submit, true);
        api("POST", "/checkout", data).then(function (answer) {
          busy(submit, false);
          if (failed(answer)) { return; }
          if (answer.status !== 200) { showErrors(form, answer); return; }
          location.assign(answer.data.next);
        });
      });
      main.appendChild(form);
    });
  }

  function payment() {
    api("GET", "/payment").then(function (result) {
      var main = layout(T.payment, result.data.count);
      if (failed(result)) { return; }
      main.appendChild(h("p.font-bold", { "data-total": "" }, T.total + ": " + result.data.total));
      var submit = h("button._bt_e41a", { type: "submit" }, T.pay);
      var form = h("form", { novalidate: true, autocomplete: "on" },
        field("number", T.cardNumber, { inputmode: "numeric", autocomplete: "cc-number" }),
        field("expiry", T.expiry, { autocomplete: "cc-exp" }),
        field("cvc", T.cvc, { inputmode: "numeric", autocomplete: "cc-csc" }),
        h("div.mt-4", {}, submit));
      form.addEventListener("submit", function (event) {
        event.preventDefault();
        form.querySelectorAll("[role=alert]").forEach(function (el) { el.remove(); });
        busy(submit, true);
        api("POST", "/pay", { number: value(form, "number"), expiry: value(form, "expiry"), cvc: value(form, "cvc") })
          .then(function (answer) {
            busy(submit, false);
            if (failed(answer)) { return; }
            if (answer.data.status === "paid") { location.assign(answer.data.next); return; }
            if (answer.data.status === "declined") {
              form.prepend(h("div.alert.alert-danger", { role: "alert" }, answer.data.message));
              return;
            }
            showErrors(form, answer);
          });
      });
      main.appendChild(form);
    });
  }

  function order(number) {
    api("GET", "/orders/" + encodeURIComponent(number)).then(function (result) {
      var main = layout(T.thanks, 0);
      if (failed(result)) { return; }
      main.appendChild(result.data.number
        ? h("p.text-lg", {}, T.orderNo + " ", h("strong", { "data-order": "" }, result.data.number))
        : h("p.text-lg", {}, T.orderPending));
      main.appendChild(h("p", {}, T.total + ": " + result.data.total));
      main.appendChild(h("a", { href: "/" + LANG + "/" }, T.back));
    });
  }

  root.appendChild(h("p.p-4.text-muted", {}, T.loading));
  var pending = sessionStorage.getItem("b3-toast");
  if (pending) { sessionStorage.removeItem("b3-toast"); toast(pending); }
  if (path === "") { home(); }
  else if (path.indexOf("p/") === 0) { product(path.slice(2)); }
  else if (path === "cart") { cart(); }
  else if (path === "checkout") { checkout(); }
  else if (path === "payment") { payment(); }
  else if (path.indexOf("order/") === 0) { order(path.slice(6)); }
  else { layout("404", 0); }
})();
