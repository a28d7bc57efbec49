// Solves an anonymous form's proof of work (sign-up, password reset; cocreate/accounts/proof.py: ALTCHA's
// scheme) in a worker, so the page stays responsive, and puts the answer in the form's hidden `proof` field.
// The status line says what is happening to screen readers too. Without script, or if solving fails, the
// form is sent without a proof and the server still takes it (under a stricter limit). No request leaves the
// page for this.

const input = document.querySelector("input[data-challenge]");
const box = input && input.closest("[data-proof]");

if (box) {
  const status = box.querySelector('[data-role="proof-status"]');
  const form = input.form;
  let solving = true;
  let sendWhenDone = false;

  const finish = (text) => {
    solving = false;
    status.textContent = text;
    // Sent before the answer came: send it now, with or without one.
    if (sendWhenDone) form.requestSubmit();
  };

  form.addEventListener("submit", (event) => {
    if (solving) {
      event.preventDefault();
      sendWhenDone = true;
    }
  });

  status.textContent = box.dataset.checking;
  const challenge = JSON.parse(input.dataset.challenge);
  try {
    const worker = new Worker(box.dataset.worker);
    worker.addEventListener("message", ({ data }) => {
      worker.terminate();
      if (data.number === null) {
        finish(box.dataset.failed);
        return;
      }
      const { algorithm, salt, signature } = challenge;
      input.value = btoa(JSON.stringify({ algorithm, challenge: challenge.challenge, number: data.number, salt, signature }));
      finish(box.dataset.ready);
    });
    worker.addEventListener("error", () => finish(box.dataset.failed));
    worker.postMessage(challenge);
  } catch {
    finish(box.dataset.failed);
  }
}
