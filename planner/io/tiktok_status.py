"""TikTok Shop order statuses as Seller Center exports them, in each export language, mapped to one
vocabulary. The generator writes these words; the reader maps them back."""

from __future__ import annotations

# normalised status -> the words exports use for it (English, Thai, Indonesian, Vietnamese)
STATUS_WORDS: dict[str, tuple[str, ...]] = {
    "unpaid": ("Unpaid", "ยังไม่ชำระเงิน", "Belum dibayar", "Chờ thanh toán"),
    "to_ship": (
        "To ship", "Awaiting shipment", "Awaiting collection", "Processing",
        "ที่ต้องจัดส่ง", "รอจัดส่ง", "Perlu dikirim", "Menunggu pengiriman", "Chờ lấy hàng", "Chờ giao hàng",
    ),
    "shipped": ("Shipped", "In transit", "จัดส่งแล้ว", "กำลังจัดส่ง", "Dikirim", "Dalam pengiriman", "Đang giao", "Đã gửi hàng"),
    "delivered": ("Delivered", "จัดส่งสำเร็จ", "Terkirim", "Đã giao"),
    "completed": ("Completed", "สำเร็จแล้ว", "เสร็จสมบูรณ์", "Selesai", "Hoàn thành"),
    "cancelled": ("Cancelled", "Canceled", "ยกเลิกแล้ว", "ยกเลิก", "Dibatalkan", "Đã hủy"),
}

_LOOKUP = {word.casefold(): status for status, words in STATUS_WORDS.items() for word in words}

STATUSES = tuple(STATUS_WORDS)


def normalise_status(word: str) -> str | None:
    """'ยกเลิกแล้ว' -> 'cancelled'; None when the word is not known."""
    return _LOOKUP.get(str(word).strip().casefold())
