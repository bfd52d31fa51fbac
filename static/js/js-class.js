// Loaded first, without defer: marks the page as scripted before it is drawn, so the collapsed phone
// navigation does not flash open. (A file: the Content-Security-Policy forbids inline scripts.)
document.documentElement.classList.add("js");
