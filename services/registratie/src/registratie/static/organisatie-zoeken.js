// Find one's organisation by typing part of its name. Without JavaScript the grouped select works
// on its own; this only adds a search field above it that narrows the list as one types.
(function () {
  "use strict";
  var select = document.getElementById("organisatie_id");
  if (!select || !("hidden" in select)) { return; }
  var groep = select.closest(".govuk-form-group");
  var zoekGroep = document.createElement("div");
  zoekGroep.className = "govuk-form-group";
  zoekGroep.innerHTML =
    '<label class="govuk-label" for="organisatie_zoek">Zoek je organisatie</label>' +
    '<div id="organisatie_zoek-hint" class="govuk-hint">Typ een deel van de naam, bijvoorbeeld Gent of bibliotheek. De lijst hieronder toont dan alleen wat past.</div>' +
    '<input class="govuk-input govuk-!-width-two-thirds" id="organisatie_zoek" type="search" autocomplete="off" spellcheck="false" aria-describedby="organisatie_zoek-hint organisatie_zoek-aantal">' +
    '<p class="govuk-body-s govuk-!-margin-top-2" id="organisatie_zoek-aantal" aria-live="polite"></p>';
  groep.parentNode.insertBefore(zoekGroep, groep);
  var veld = document.getElementById("organisatie_zoek");
  var aantal = document.getElementById("organisatie_zoek-aantal");
  var opties = Array.prototype.slice.call(select.querySelectorAll("option")).filter(function (o) { return o.value; });

  function normaal(tekst) {
    return tekst.toLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }

  veld.addEventListener("input", function () {
    var gezocht = normaal(veld.value.trim());
    var passend = [];
    opties.forEach(function (o) {
      var past = !gezocht || normaal(o.textContent).indexOf(gezocht) !== -1;
      o.hidden = !past;
      o.disabled = !past;
      if (past) { passend.push(o); }
    });
    Array.prototype.forEach.call(select.querySelectorAll("optgroup"), function (g) {
      g.hidden = !g.querySelector("option:not([hidden])");
    });
    if (!gezocht) { aantal.textContent = ""; return; }
    if (passend.length === 1) { passend[0].selected = true; }
    else if (select.selectedOptions.length && select.selectedOptions[0].hidden) { select.value = ""; }
    aantal.textContent = passend.length === 0
      ? "Geen organisatie gevonden. Vraag je organisatie aan met de link onder de lijst, of bel VVSG op 02 211 55 00."
      : passend.length === 1
        ? "1 organisatie gevonden en gekozen: " + passend[0].textContent + "."
        : passend.length + " organisaties gevonden. Kies de juiste in de lijst hieronder.";
  });
}());
