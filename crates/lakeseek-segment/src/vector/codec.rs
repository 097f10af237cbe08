//! Little-endian encoding helpers and a bounds-checked cursor that turns
//! every short read into [`VectorError::Corrupt`].

use std::ops::Range;

use super::VectorError;

/// Appends little-endian values to a byte buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    pub buf: Vec<u8>,
}

impl Writer {
    pub fn with_capacity(n: usize) -> Self {
        Writer {
            buf: Vec::with_capacity(n),
        }
    }
    pub fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }
    pub fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn u64(&mut self, v: u64) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f32(&mut self, v: f32) {
        self.buf.extend_from_slice(&v.to_le_bytes());
    }
    pub fn f32s(&mut self, vs: &[f32]) {
        vs.iter().for_each(|&v| self.f32(v));
    }
    pub fn u64s(&mut self, vs: &[u64]) {
        vs.iter().for_each(|&v| self.u64(v));
    }
    pub fn bytes(&mut self, b: &[u8]) {
        self.buf.extend_from_slice(b);
    }
}

/// Reads little-endian values, checking every length against the bytes.
#[derive(Debug)]
pub(crate) struct Cursor<'a> {
    bytes: &'a [u8],
    pos: usize,
    what: &'static str,
}

impl<'a> Cursor<'a> {
    pub fn new(bytes: &'a [u8], what: &'static str) -> Self {
        Cursor {
            bytes,
            pos: 0,
            what,
        }
    }

    /// The error for this structure.
    pub fn corrupt(&self, detail: impl Into<String>) -> VectorError {
        VectorError::corrupt(self.what, detail)
    }

    /// `a * b`, or an error if that overflows.
    pub fn product(&self, a: usize, b: usize, field: &str) -> Result<usize, VectorError> {
        a.checked_mul(b)
            .ok_or_else(|| self.corrupt(format!("{field}: {a} x {b} overflows")))
    }

    /// `count * size` bytes, or an error if that overflows or runs past the end.
    pub fn range(
        &mut self,
        count: usize,
        size: usize,
        field: &str,
    ) -> Result<Range<usize>, VectorError> {
        let len = count
            .checked_mul(size)
            .ok_or_else(|| self.corrupt(format!("{field}: {count} items overflow")))?;
        let end = self
            .pos
            .checked_add(len)
            .filter(|&end| end <= self.bytes.len())
            .ok_or_else(|| {
                self.corrupt(format!(
                    "{field}: needs {len} bytes at offset {}, only {} in total",
                    self.pos,
                    self.bytes.len()
                ))
            })?;
        let r = self.pos..end;
        self.pos = end;
        Ok(r)
    }

    pub fn take(&mut self, len: usize, field: &str) -> Result<&'a [u8], VectorError> {
        let r = self.range(len, 1, field)?;
        Ok(&self.bytes[r])
    }

    fn array<const N: usize>(&mut self, field: &str) -> Result<[u8; N], VectorError> {
        let b = self.take(N, field)?;
        Ok(b.try_into().expect("take returned N bytes"))
    }

    pub fn u8(&mut self, field: &str) -> Result<u8, VectorError> {
        Ok(self.array::<1>(field)?[0])
    }
    pub fn u32(&mut self, field: &str) -> Result<u32, VectorError> {
        Ok(u32::from_le_bytes(self.array(field)?))
    }
    pub fn u64(&mut self, field: &str) -> Result<u64, VectorError> {
        Ok(u64::from_le_bytes(self.array(field)?))
    }

    /// `count` finite floats.
    pub fn f32s(&mut self, count: usize, field: &str) -> Result<Vec<f32>, VectorError> {
        let r = self.range(count, 4, field)?;
        let out: Vec<f32> = self.bytes[r]
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect();
        if let Some(i) = out.iter().position(|x| !x.is_finite()) {
            return Err(self.corrupt(format!("{field}: value {i} is not finite")));
        }
        Ok(out)
    }

    pub fn u32s(&mut self, count: usize, field: &str) -> Result<Vec<u32>, VectorError> {
        let r = self.range(count, 4, field)?;
        Ok(self.bytes[r]
            .chunks_exact(4)
            .map(|c| u32::from_le_bytes(c.try_into().expect("4 bytes")))
            .collect())
    }

    pub fn u64s(&mut self, count: usize, field: &str) -> Result<Vec<u64>, VectorError> {
        let r = self.range(count, 8, field)?;
        Ok(self.bytes[r]
            .chunks_exact(8)
            .map(|c| u64::from_le_bytes(c.try_into().expect("8 bytes")))
            .collect())
    }

    /// Current offset.
    pub fn pos(&self) -> usize {
        self.pos
    }

    /// Errors unless every byte was consumed.
    pub fn finish(&self) -> Result<(), VectorError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(self.corrupt(format!(
                "{} trailing bytes after offset {}",
                self.bytes.len() - self.pos,
                self.pos
            )))
        }
    }
}

/// A count read from the bytes as `usize`, refusing values above `max`.
pub(crate) fn bounded(
    cur: &Cursor<'_>,
    value: u32,
    max: usize,
    field: &str,
) -> Result<usize, VectorError> {
    let v = value as usize;
    if v > max {
        return Err(cur.corrupt(format!("{field} = {v} exceeds the limit {max}")));
    }
    Ok(v)
}
