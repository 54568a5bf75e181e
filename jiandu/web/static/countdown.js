// Each <span class="countdown" data-due="ISO"> counts down every second: orange in its last
// 15 minutes, red once past due (broken).
(function () {
  var en = document.documentElement.lang === "en";
  function fmt(ms) {
    var s = Math.floor(Math.abs(ms) / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    var sec = s % 60;
    return h + ":" + String(m).padStart(2, "0") + ":" + String(sec).padStart(2, "0");
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".countdown[data-due]").forEach(function (el) {
      var left = Date.parse(el.dataset.due) - now;
      el.classList.toggle("overdue", left <= 0);
      el.classList.toggle("soon", left > 0 && left < 15 * 60 * 1000);  // about to break
      el.textContent = left > 0 ? (en ? "left " : "剩余 ") + fmt(left) : (en ? "overdue " : "已超时 ") + fmt(left);
    });
  }
  tick();
  setInterval(tick, 1000);
})();
