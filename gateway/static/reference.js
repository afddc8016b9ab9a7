// Renders /openapi.json with Swagger UI. A file of its own: the reference page's
// Content-Security-Policy runs no inline script.
"use strict";
(function () {
  var target = document.getElementById("reference");
  window.ui = SwaggerUIBundle({
    url: target.dataset.openapiUrl,
    domNode: target,
    deepLinking: true,
    docExpansion: "list",
    defaultModelsExpandDepth: 0,
    // No call to validator.swagger.io: the page talks to this gateway only.
    validatorUrl: null,
    presets: [SwaggerUIBundle.presets.apis],
  });
})();
