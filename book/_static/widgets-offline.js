/*
 * Loaded before require.js and @jupyter-widgets/html-manager's embed-amd.js on
 * the pages that embed ipywidgets (see nb_ipywidgets_js in _config.yml).
 *
 * 1. embed-amd.js defines the AMD modules "@jupyter-widgets/base", ".../controls",
 *    ".../html-manager/dist/libembed-amd", ... and each loads its icon fonts
 *    from the folder of its module URL, which require.js puts next to the page
 *    (folders that do not exist). Map the modules into the folder of
 *    embed-amd.js in this book's _static/, through the configuration object
 *    that require.js reads from a global `require` when it loads.
 * 2. The embedder typesets math in widget labels with the MathJax 2 call
 *    `MathJax.Hub.Queue(["Typeset", MathJax.Hub, element])`, but the book uses
 *    MathJax 3, which has no `Hub`: the call throws a TypeError and the widget
 *    is left half drawn. Provide a small `Hub.Queue` that typesets with the
 *    MathJax 3 API, on whatever object `window.MathJax` is (the configuration
 *    object before MathJax loads, MathJax itself afterwards).
 */
(function () {
  "use strict";
  var here = document.currentScript && document.currentScript.src;
  if (here) {
    var assets = new URL("ipywidgets/", here).href;
    if (typeof window.require === "undefined") {
      var paths = { "@jupyter-widgets/html-manager/dist": assets.replace(/\/$/, "") };
      ["base", "base7", "controls", "controls7", "output", "html-manager"].forEach(function (name) {
        paths["@jupyter-widgets/" + name] = assets + name;
      });
      window.require = { paths: paths };
    }
    if (!window.__jupyter_widgets_assets_path__) window.__jupyter_widgets_assets_path__ = assets;
  }

  var current = window.MathJax;

  function typeset(element) {
    var mj = current;
    if (!mj || typeof mj.typesetPromise !== "function") {
      return; // MathJax 3 is not loaded yet: it typesets the whole page when it starts
    }
    var ready = mj.startup && mj.startup.promise ? mj.startup.promise : Promise.resolve();
    ready
      .then(function () { return mj.typesetPromise(element ? [element] : undefined); })
      .catch(function (err) { console.warn("MathJax could not typeset a widget label:", err); });
  }

  var hub = {
    Queue: function () {
      for (var i = 0; i < arguments.length; i++) {
        var job = arguments[i];
        if (Array.isArray(job) && job[0] === "Typeset") typeset(job[2]);
      }
    }
  };

  function withHub(obj) {
    if (obj && typeof obj === "object" && !("Hub" in obj)) {
      try {
        // not enumerable, so MathJax does not take it for a configuration option
        Object.defineProperty(obj, "Hub", { value: hub, configurable: true, enumerable: false });
      } catch (err) { /* a frozen object: leave it */ }
    }
    return obj;
  }

  current = withHub(current);
  try {
    Object.defineProperty(window, "MathJax", {
      configurable: true,
      enumerable: true,
      get: function () { return current; },
      set: function (value) { current = withHub(value); }
    });
  } catch (err) { /* window.MathJax cannot be redefined: nothing more to do */ }
})();
