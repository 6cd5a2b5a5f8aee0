// The portal's client code: copy buttons. Pages work without it.
for (const button of document.querySelectorAll('button[data-copy]')) {
  button.hidden = false;
  button.addEventListener('click', async () => {
    const source = document.getElementById(button.dataset.copy);
    if (!source || !navigator.clipboard) return;
    await navigator.clipboard.writeText(source.textContent.trim());
    const label = button.textContent;
    button.textContent = button.dataset.copied || label;
    setTimeout(() => {
      button.textContent = label;
    }, 2000);
  });
}

// A key just made: the API reference of this site fills it in for the try-it (this tab only).
const newKey = document.getElementById('new-key');
if (newKey && newKey.dataset.subscription) {
  sessionStorage.setItem(`witty.key.${newKey.dataset.subscription}`, newKey.textContent.trim());
}
