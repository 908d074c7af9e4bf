#include "http/content_decoder.hpp"

#include "sitecheck/errors.hpp"

#include <boost/beast/core/string.hpp>
#include <brotli/decode.h>
#include <zlib.h>

#include <array>

namespace sitecheck::detail {
namespace {
// Each stage writes this much at a time into the next one (or into the kept prefix).
constexpr std::size_t out_bytes = 16 * 1024;

// The elements of a comma-separated list, without their white space (RFC 9110 section 5.6.1:
// empty elements do not count).
std::vector<std::string_view> list_elements(std::string_view list)
{
    std::vector<std::string_view> elements;
    while (!list.empty()) {
        const auto comma = list.find(',');
        std::string_view element = list.substr(0, comma);
        element.remove_prefix(std::min(element.find_first_not_of(" \t"), element.size()));
        element.remove_suffix(element.size() -
                              std::min(element.find_last_not_of(" \t") + 1, element.size()));
        if (!element.empty())
            elements.push_back(element);
        list.remove_prefix(comma == std::string_view::npos ? list.size() : comma + 1);
    }
    return elements;
}
} // namespace

// One decoder and the input it has not taken yet.
class ContentDecoder::Stage {
public:
    virtual ~Stage() = default;

    void take(std::string_view bytes)
    {
        if (ended_)
            return;
        in_.erase(0, taken_);
        taken_ = 0;
        in_.append(bytes);
    }
    // Input not decoded yet, or output the decoder still holds from its last run.
    bool has_work() const { return !ended_ && (taken_ < in_.size() || holding()); }
    // Decodes into `out` what fits; returns how many bytes it wrote.
    virtual std::size_t run(unsigned char* out, std::size_t size) = 0;

protected:
    virtual bool holding() const = 0;
    std::string_view input() const { return std::string_view(in_).substr(taken_); }
    void advance(std::size_t n) { taken_ += n; }
    void end()
    {
        ended_ = true;
        in_.clear();
        taken_ = 0;
    }

private:
    std::string in_;
    std::size_t taken_ = 0;
    bool ended_ = false; // the compressed stream is complete
};

class ContentDecoder::Zlib : public Stage {
public:
    explicit Zlib(Coding coding) : coding_(coding) {}
    ~Zlib() override
    {
        if (started_)
            inflateEnd(&z_);
    }

    std::size_t run(unsigned char* out, std::size_t size) override
    {
        const std::string_view in = input();
        if (!started_) {
            if (in.empty())
                return 0;
            // "deflate" should mean the zlib format, but some servers send raw deflate data.
            // A zlib stream starts with a CMF byte naming method 8 and a window of at most 32K.
            int window_bits = 16 + MAX_WBITS; // gzip
            if (coding_ == Coding::deflate) {
                const auto cmf = static_cast<unsigned char>(in.front());
                window_bits = (cmf & 0x0F) == 8 && (cmf >> 4) <= 7 ? MAX_WBITS : -MAX_WBITS;
            }
            if (inflateInit2(&z_, window_bits) != Z_OK)
                throw std::bad_alloc();
            started_ = true;
        }
        z_.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
        z_.avail_in = static_cast<uInt>(in.size());
        z_.next_out = out;
        z_.avail_out = static_cast<uInt>(size);
        const int rc = ::inflate(&z_, Z_NO_FLUSH);
        advance(in.size() - z_.avail_in);
        const std::size_t written = size - z_.avail_out;
        full_ = z_.avail_out == 0;
        if (rc == Z_STREAM_END)
            end();
        else if (rc != Z_OK && rc != Z_BUF_ERROR)
            throw CheckError(coding_ == Coding::gzip ? "body is not valid gzip data"
                                                     : "body is not valid deflate data");
        return written;
    }

private:
    // With its output full, inflate may hold more than it gave.
    bool holding() const override { return full_; }

    Coding coding_;
    z_stream z_{};
    bool started_ = false; // inflateInit2 done (deferred until the first byte for deflate)
    bool full_ = false;
};

class ContentDecoder::Brotli : public Stage {
public:
    Brotli()
    {
        if (!state_)
            throw std::bad_alloc();
    }

    std::size_t run(unsigned char* out, std::size_t size) override
    {
        const std::string_view in = input();
        auto next_in = reinterpret_cast<const std::uint8_t*>(in.data());
        std::size_t avail_in = in.size();
        std::uint8_t* next_out = out;
        std::size_t avail_out = size;
        const auto rc = BrotliDecoderDecompressStream(state_.get(), &avail_in, &next_in, &avail_out,
                                                      &next_out, nullptr);
        advance(in.size() - avail_in);
        if (rc == BROTLI_DECODER_RESULT_SUCCESS)
            end();
        if (rc == BROTLI_DECODER_RESULT_ERROR)
            throw CheckError("body is not valid brotli data");
        return size - avail_out;
    }

private:
    // All the input taken, but with the output full the decoder may still hold decoded bytes,
    // which it gives only on the next call (found by fuzz_decoder).
    bool holding() const override { return BrotliDecoderHasMoreOutput(state_.get()); }

    std::unique_ptr<BrotliDecoderState, decltype(&BrotliDecoderDestroyInstance)> state_{
        BrotliDecoderCreateInstance(nullptr, nullptr, nullptr), BrotliDecoderDestroyInstance};
};

std::vector<ContentDecoder::Coding> ContentDecoder::codings_of(std::string_view list,
                                                               std::string_view header)
{
    auto elements = list_elements(list);
    if (header == "transfer" && !elements.empty() && boost::beast::iequals(elements.back(), "chunked"))
        elements.pop_back();
    std::vector<Coding> codings;
    for (std::string_view element : elements) {
        if (boost::beast::iequals(element, "identity"))
            continue;
        if (boost::beast::iequals(element, "gzip") || boost::beast::iequals(element, "x-gzip"))
            codings.push_back(Coding::gzip);
        else if (boost::beast::iequals(element, "deflate"))
            codings.push_back(Coding::deflate);
        else if (boost::beast::iequals(element, "br"))
            codings.push_back(Coding::br);
        else
            throw CheckError("unsupported " + std::string(header) + " encoding '" +
                             std::string(element) + "'");
    }
    return codings;
}

ContentDecoder::ContentDecoder(const std::vector<Coding>& applied, std::size_t keep) : keep_(keep)
{
    for (auto coding = applied.rbegin(); coding != applied.rend(); ++coding) {
        if (*coding == Coding::br)
            stages_.push_back(std::make_unique<Brotli>());
        else if (*coding != Coding::identity)
            stages_.push_back(std::make_unique<Zlib>(*coding));
    }
}

ContentDecoder::~ContentDecoder() = default;

void ContentDecoder::keep(std::string_view out)
{
    decoded_ += out.size();
    if (prefix_.size() < keep_)
        prefix_.append(out.substr(0, keep_ - prefix_.size()));
}

void ContentDecoder::pass(std::size_t stage, std::string_view out)
{
    if (stage < stages_.size())
        stages_[stage]->take(out);
    else
        keep(out);
}

void ContentDecoder::feed(std::string_view in)
{
    pass(0, in);
}

// One run of the last stage that has work. A stage runs only when every later one has decoded
// all it was given, so each holds at most one run's output between them.
bool ContentDecoder::step(std::uint64_t& produced)
{
    for (std::size_t i = stages_.size(); i-- > 0;) {
        if (!stages_[i]->has_work())
            continue;
        std::array<unsigned char, out_bytes> out;
        const std::size_t n = stages_[i]->run(out.data(), out.size());
        pass(i + 1, {reinterpret_cast<const char*>(out.data()), n});
        // A run that neither took nor gave would come back forever: count it as a slice's worth.
        produced += n > 0 ? n : out_bytes;
        return true;
    }
    return false;
}

bool ContentDecoder::decode_some(std::size_t budget)
{
    std::uint64_t produced = 0;
    while (produced < budget)
        if (!step(produced))
            return false;
    for (const auto& stage : stages_)
        if (stage->has_work())
            return true;
    return false;
}

} // namespace sitecheck::detail
