#include "libformat/report/json_writer.h"

#include <charconv>
#include <cstring>

#include "libformat/report/json.h"

namespace llb {

// Document mode: each value goes where the text would have put it, under the pending key of the
// innermost object or at the end of the innermost array.
struct JsonDomBuilder {
  Json root;
  std::vector<Json*> open;  // the containers begun and not ended, innermost last
  std::string key;          // the pending key of the innermost object
  bool have_root = false;

  Json& place(Json v) {
    if (open.empty()) {
      root = std::move(v);
      have_root = true;
      return root;
    }
    Json& parent = *open.back();
    if (parent.is_array()) {
      parent.push_back(std::move(v));
      return parent.back();
    }
    Json& slot = parent[key];
    slot = std::move(v);
    return slot;
  }
};

JsonWriter::JsonWriter(int indent) : indent_(indent) {}
JsonWriter::JsonWriter(Document) : indent_(-1), dom_(std::make_unique<JsonDomBuilder>()) {}
JsonWriter::~JsonWriter() = default;
JsonWriter::JsonWriter(JsonWriter&&) noexcept = default;
JsonWriter& JsonWriter::operator=(JsonWriter&&) noexcept = default;

Json take_document(JsonWriter& w) {
  JsonDomBuilder* d = w.document();
  return d ? std::move(d->root) : Json();
}

void JsonWriter::newline() {
  if (indent_ < 0) return;
  out_ += '\n';
  out_.append(stack_.size() * static_cast<std::size_t>(indent_), ' ');
}

void JsonWriter::before_value() {
  if (after_key_) {
    after_key_ = false;
    return;
  }
  if (stack_.empty()) return;
  Level& l = stack_.back();
  if (!l.empty) out_ += ',';
  l.empty = false;
  newline();
}

namespace {

// Whether any byte of `s` needs more than quotes: a control character, a quote, a backslash, or a
// byte of UTF-8 (or not UTF-8 at all). Eight bytes at a time: reports are mostly plain ASCII.
bool needs_escaping(std::string_view s) {
  constexpr std::uint64_t kOnes = 0x0101010101010101ull, kHighs = 0x8080808080808080ull;
  auto has_byte_below = [&](std::uint64_t w, std::uint8_t n) { return (w - kOnes * n) & ~w & kHighs; };
  auto has_byte = [&](std::uint64_t w, std::uint8_t b) { return has_byte_below(w ^ (kOnes * b), 1); };
  std::size_t i = 0;
  for (; i + 8 <= s.size(); i += 8) {
    std::uint64_t w;
    std::memcpy(&w, s.data() + i, 8);
    if ((w & kHighs) || has_byte_below(w, 0x20) || has_byte(w, '"') || has_byte(w, '\\')) return true;
  }
  for (; i < s.size(); ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u < 0x20 || u >= 0x80 || u == '"' || u == '\\') return true;
  }
  return false;
}

}  // namespace

void JsonWriter::quoted(std::string_view s) {
  // Plain text is written as it is; anything else (control characters, UTF-8, invalid bytes
  // from disk) goes through the document serializer, so the escapes and the U+FFFD replacements
  // are json_text()'s exactly.
  if (!needs_escaping(s)) {
    out_ += '"';
    out_ += s;
    out_ += '"';
    return;
  }
  out_ += json_text(Json(std::string(s)));
}

JsonWriter& JsonWriter::begin_object() {
  if (dom_) {
    dom_->open.push_back(&dom_->place(Json::object()));
    return *this;
  }
  before_value();
  out_ += '{';
  stack_.push_back({false, true});
  return *this;
}

JsonWriter& JsonWriter::close(char bracket) {
  if (dom_) {
    dom_->open.pop_back();
    return *this;
  }
  const Level l = stack_.back();
  stack_.pop_back();
  if (!l.empty) newline();
  out_ += bracket;
  return *this;
}

JsonWriter& JsonWriter::end_object() { return close('}'); }

JsonWriter& JsonWriter::begin_array() {
  if (dom_) {
    dom_->open.push_back(&dom_->place(Json::array()));
    return *this;
  }
  before_value();
  out_ += '[';
  stack_.push_back({true, true});
  return *this;
}

JsonWriter& JsonWriter::end_array() { return close(']'); }

JsonWriter& JsonWriter::key(std::string_view k) {
  if (dom_) {
    dom_->key.assign(k);
    return *this;
  }
  Level& l = stack_.back();
  if (!l.empty) out_ += ',';
  l.empty = false;
  newline();
  quoted(k);  // keys are the report's own names: the plain path
  out_ += indent_ < 0 ? ":" : ": ";
  after_key_ = true;
  return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
  if (dom_) {
    // As the text would read back: bytes that are not UTF-8 become U+FFFD (json_text's handler).
    dom_->place(needs_escaping(s) ? Json::parse(json_text(Json(std::string(s))))
                                  : Json(std::string(s)));
    return *this;
  }
  before_value();
  quoted(s);
  return *this;
}

JsonWriter& JsonWriter::value(bool b) {
  if (dom_) {
    dom_->place(Json(b));
    return *this;
  }
  before_value();
  out_ += b ? "true" : "false";
  return *this;
}

JsonWriter& JsonWriter::value(double d) {
  if (dom_) {
    dom_->place(Json(d));
    return *this;
  }
  before_value();
  out_ += json_text(Json(d));
  return *this;
}

JsonWriter& JsonWriter::null() {
  if (dom_) {
    dom_->place(Json(nullptr));
    return *this;
  }
  before_value();
  out_ += "null";
  return *this;
}

JsonWriter& JsonWriter::number(std::uint64_t bits, bool negative) {
  if (dom_) {
    if (negative) {
      dom_->place(Json(static_cast<std::int64_t>(bits)));
    } else {
      dom_->place(Json(bits));
    }
    return *this;
  }
  before_value();
  char buf[24];
  const auto r = negative ? std::to_chars(buf, buf + sizeof buf, static_cast<std::int64_t>(bits))
                          : std::to_chars(buf, buf + sizeof buf, bits);
  out_.append(buf, r.ptr);
  return *this;
}

}  // namespace llb
