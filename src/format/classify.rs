//! Classification through the table of sources: the first row whose key patterns match a
//! key, or whose first-bytes pattern matches an object's head.

use super::object_kind::ObjectKind;
use super::sources::{HeadPattern, KeyPattern, SOURCES, Source, source};

impl ObjectKind {
    /// Classifies a (decoded) key: the first row of the table whose key patterns match, else
    /// [`ObjectKind::Lines`].
    pub fn of_key(key: &str) -> Self {
        let parts = KeyParts::new(key);
        SOURCES.iter().find(|row| row.keys.iter().any(|p| parts.matches(p))).map_or(Self::Lines, |row| row.kind)
    }

    /// Classifies an object whose key matched no row by its first bytes (decompressed), or
    /// `None` when they match no row either.
    pub fn of_head(head: &[u8]) -> Option<Self> {
        let first_line = &head[..memchr::memchr(b'\n', head).unwrap_or(head.len())];
        SOURCES
            .iter()
            .find(|row| match row.head {
                Some(HeadPattern::StartsWith(prefix)) => head.starts_with(prefix),
                Some(HeadPattern::FirstLineHas(text)) => memchr::memmem::find(first_line, text).is_some(),
                None => false,
            })
            .map(|row| row.kind)
    }

    /// This kind's row in the table of sources.
    pub fn source(self) -> &'static Source {
        source(self)
    }

    /// Why objects of this kind are skipped, when they are.
    pub fn skipped(self) -> Option<&'static str> {
        self.source().skip
    }
}

/// A key cut once into what the patterns look at.
struct KeyParts<'a> {
    key: &'a str,
    name: &'a str,
}

impl<'a> KeyParts<'a> {
    fn new(key: &'a str) -> Self {
        Self { key, name: key.rsplit('/').next().unwrap_or(key) }
    }

    fn matches(&self, pattern: &KeyPattern) -> bool {
        match *pattern {
            KeyPattern::FileToken(token) => self.file_token() == Some(token),
            KeyPattern::Folder(folder) => {
                let folders = self.key.rsplit_once('/').map_or("", |(folders, _)| folders);
                folders.split('/').any(|segment| segment == folder)
            }
            KeyPattern::Contains(text) => self.key.contains(text),
            KeyPattern::FileName(test) => test(self.name),
        }
    }

    /// `<account>_<token>_…` → `token`, when the name starts with an account id.
    fn file_token(&self) -> Option<&'a str> {
        let (account, rest) = self.name.split_once('_')?;
        if account.is_empty() || !account.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        rest.split_once('_').map(|(token, _)| token)
    }
}
