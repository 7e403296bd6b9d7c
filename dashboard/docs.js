// The API reference: Swagger UI over Forge's own OpenAPI document. "Authorize" takes an API key or token.
/* global SwaggerUIBundle */
window.ui = SwaggerUIBundle({
  url: '/v2/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: false,
  persistAuthorization: false,
});
