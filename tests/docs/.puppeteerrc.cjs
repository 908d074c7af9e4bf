// npm ci must not download a browser: the docs test uses Debian's chromium (puppeteer-config.json).
module.exports = { skipDownload: true };
