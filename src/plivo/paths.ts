// Plivo's routes on this server: what the application's answer URL, the XML and the REST requests point at.
export const INCOMING_CALL_PATH = '/plivo/incoming-call';
export const MEDIA_STREAM_PATH = '/plivo/media-stream';
export const STREAM_STATUS_PATH = '/plivo/stream-status';
export const HANGUP_PATH = '/plivo/hangup';
export const TRANSFER_PATH = '/plivo/transfer';
