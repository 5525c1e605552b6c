// The API's documentation page: Swagger UI (vendored in static/vendor/swagger-ui) over /api/v1/openapi.json.
(function () {
  "use strict";
  var node = document.getElementById("swagger-ui");
  if (!node || typeof window.SwaggerUIBundle !== "function") {
    return;
  }
  window.SwaggerUIBundle({
    url: node.getAttribute("data-spec-url"),
    domNode: node,
    deepLinking: true,
    tryItOutEnabled: false
  });
})();
