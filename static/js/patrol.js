// Check-in forms marked data-geolocate add the phone's position when the
// browser grants it. Without permission, or without JavaScript, the form is
// sent as it is; once allowed, a position is waited for five seconds at most.
// The button stays disabled until the next page, so a second tap sends nothing.
document.addEventListener("submit", function (event) {
  var form = event.target;
  if (!form.matches("form[data-geolocate]") || form.dataset.located || !navigator.geolocation) {
    return;
  }
  event.preventDefault();
  var button = event.submitter;
  if (button) { button.disabled = true; }
  var send = function () {
    form.dataset.located = "1";
    form.submit();  // submit() fires no second submit event and needs no enabled button
  };
  navigator.geolocation.getCurrentPosition(function (position) {
    form.querySelector("[name=latitude]").value = position.coords.latitude.toFixed(6);
    form.querySelector("[name=longitude]").value = position.coords.longitude.toFixed(6);
    send();
  }, send, { enableHighAccuracy: true, timeout: 5000, maximumAge: 60000 });
});
