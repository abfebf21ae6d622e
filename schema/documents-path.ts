/** Where documents are downloaded: `GET /documents/<id>` with the same bearer token (api/documents-route.ts serves it). */
export const DOCUMENTS_PATH = '/documents/';
