// seatgate console: the little the pages need beyond htmx. Loaded from /console/static, since
// the Content-Security-Policy runs no inline script.

// A button with data-copy="<element id>" copies that element's text to the clipboard.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (!button) return;
  const source = document.getElementById(button.dataset.copy);
  if (!source) return;
  navigator.clipboard.writeText(source.textContent.trim()).then(() => {
    button.textContent = "Copied";
  });
});

// A form with data-confirm="<question>" asks before it is sent.
document.addEventListener("submit", (event) => {
  const question = event.target.dataset && event.target.dataset.confirm;
  if (question && !window.confirm(question)) event.preventDefault();
});

// ---- Seats page: the seat quantity stepper (gateway/console/seats.py) ----------------------
// The -/+ buttons and quick sizes set the quantity; a value outside the input's min/max shows
// the bounds sentence before anything is sent (the server refuses it with the same sentence).
(() => {
  const form = document.querySelector("form[data-seat-stepper]");
  if (!form) return;
  const input = form.querySelector("input[name=seats]");
  const message = form.querySelector("[data-seat-error]");
  const fewer = form.querySelector("[data-step='-1']");
  const more = form.querySelector("[data-step='1']");
  const min = Number(input.min);
  const max = input.max === "" ? Infinity : Number(input.max);
  const clamp = (value) => Math.min(max, Math.max(min, value));

  const refresh = () => {
    const value = Number(input.value);
    const fits = input.value !== "" && Number.isInteger(value) && value >= min && value <= max;
    message.hidden = fits;
    input.setAttribute("aria-invalid", fits ? "false" : "true");
    fewer.disabled = !(value > min);
    more.disabled = !(value < max);
    form.querySelectorAll("[data-seat-size]").forEach((button) => {
      button.setAttribute("aria-pressed", String(Number(button.dataset.seatSize) === value));
    });
  };

  form.addEventListener("click", (event) => {
    const step = event.target.closest("[data-step]");
    const size = event.target.closest("[data-seat-size]");
    if (step) {
      const value = Number(input.value);
      input.value = clamp((Number.isInteger(value) ? value : min) + Number(step.dataset.step));
    } else if (size) {
      input.value = size.dataset.seatSize;
    } else {
      return;
    }
    refresh();
  });
  input.addEventListener("input", refresh);
  // The browser refuses to send a value outside min/max; say why, in the page's words.
  input.addEventListener("invalid", () => {
    message.hidden = false;
  });
  refresh();
})();
