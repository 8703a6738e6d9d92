// Photos shrunk in the browser before they are sent: a form with an
// <input type=file data-downscale> sends each chosen photo redrawn at most
// 1600 px on its long side as a JPEG (quality 0.85), the form's other fields as
// they are, and shows a bar while it goes (XMLHttpRequest upload progress).
// The page the server answers (the next screen, or the form with its errors)
// then replaces this one. Without JavaScript, canvas or FormData the form is
// sent as it is; a photo the browser cannot read is sent as chosen. The server
// checks every photo the same way in both cases.
(function () {
  "use strict";
  var MAX_SIDE = 1600, QUALITY = 0.85;
  // Included once per photo input; listen once.
  if (window.tongxinPhotos || !window.FormData || !window.XMLHttpRequest || !HTMLCanvasElement.prototype.toBlob) {
    return;
  }
  window.tongxinPhotos = true;

  function decode(file) {
    // createImageBitmap turns the photo upright by its EXIF where supported;
    // otherwise an <img> does (browsers apply EXIF orientation to images).
    if (window.createImageBitmap) {
      return createImageBitmap(file, { imageOrientation: "from-image" }).catch(function () {
        return viaImage(file);
      });
    }
    return viaImage(file);
  }

  function viaImage(file) {
    return new Promise(function (resolve, reject) {
      var url = URL.createObjectURL(file), img = new Image();
      img.onload = function () { URL.revokeObjectURL(url); resolve(img); };
      img.onerror = function () { URL.revokeObjectURL(url); reject(new Error("unreadable")); };
      img.src = url;
    });
  }

  function shrink(file) {
    if (!/^image\//.test(file.type)) { return Promise.resolve(file); }
    return decode(file).then(function (image) {
      var w = image.width, h = image.height;
      var scale = Math.min(1, MAX_SIDE / Math.max(w, h));
      var canvas = document.createElement("canvas");
      canvas.width = Math.round(w * scale);
      canvas.height = Math.round(h * scale);
      canvas.getContext("2d").drawImage(image, 0, 0, canvas.width, canvas.height);
      if (image.close) { image.close(); }
      return new Promise(function (resolve) {
        canvas.toBlob(function (blob) {
          // Keep the original when the redrawn one is not smaller (a small PNG, say).
          if (!blob || blob.size >= file.size) { resolve(file); return; }
          var name = file.name.replace(/\.[^.]*$/, "") + ".jpg";
          resolve(new File([blob], name, { type: "image/jpeg" }));
        }, "image/jpeg", QUALITY);
      });
    }).catch(function () { return file; });
  }

  function show(form, selector, on) {
    var el = form.querySelector(selector);
    if (el) { el.hidden = !on; }
    return el;
  }

  function progress(form, fraction) {
    var box = show(form, "[data-upload-progress]", true);
    if (!box) { return; }
    var pct = Math.round(fraction * 100);
    box.setAttribute("aria-valuenow", String(pct));
    box.firstElementChild.style.width = pct + "%";
  }

  function send(form, data, button) {
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action || window.location.href);
    xhr.upload.onprogress = function (e) {
      if (e.lengthComputable) { progress(form, e.loaded / e.total); }
    };
    xhr.onload = function () {
      // The answer is a whole page (after a redirect, the next one): show it.
      var url = xhr.responseURL || form.action;
      document.open();
      document.write(xhr.responseText);
      document.close();
      if (url) { history.replaceState(null, "", url); }
    };
    xhr.onerror = function () {
      show(form, "[data-upload-progress]", false);
      show(form, "[data-upload-error]", true);
      delete form.dataset.sending;
      if (button) { button.disabled = false; }
    };
    xhr.send(data);
  }

  document.addEventListener("submit", function (event) {
    var form = event.target;
    var input = form.querySelector && form.querySelector("input[type=file][data-downscale]");
    if (!input || !input.files || !input.files.length || form.dataset.sending) { return; }
    event.preventDefault();
    form.dataset.sending = "1";
    var button = event.submitter;
    if (button) { button.disabled = true; }
    show(form, "[data-upload-error]", false);
    progress(form, 0);
    var data = new FormData(form);
    if (button && button.name) { data.append(button.name, button.value); }
    data.delete(input.name);
    Promise.all(Array.prototype.map.call(input.files, shrink)).then(function (files) {
      files.forEach(function (f) { data.append(input.name, f, f.name); });
      send(form, data, button);
    });
  });
})();
